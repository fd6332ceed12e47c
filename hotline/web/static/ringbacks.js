// The ring-back list does not reload itself (a note may be half typed): a change while it is
// open (a new caller to call back, one dialled, connected, failed or dropped) shows a banner
// with a link that shows the list afresh.
"use strict";

(function () {
  const banner = document.getElementById("ringbacks-changed");
  const texts = JSON.parse(document.getElementById("ringbacks-text").textContent);
  const feed = new EventSource("/api/events");
  feed.addEventListener("open", () => { document.body.dataset.feed = "open"; });
  for (const kind of ["requested", "updated", "gas_smell", "dialling", "connected", "retry", "failed", "dropped"]) {
    feed.addEventListener(`ringback.${kind}`, () => {
      banner.querySelector("span").textContent = texts.changed;
      banner.hidden = false;
    });
  }
})();
