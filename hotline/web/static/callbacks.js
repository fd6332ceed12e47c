// The worklist does not reload itself (a survey may be half typed): callbacks falling due
// while it is open are counted in a banner with a link to the due list.
"use strict";

(function () {
  const banner = document.getElementById("new-due");
  const texts = JSON.parse(document.getElementById("callbacks-text").textContent);
  let count = 0;
  const feed = new EventSource("/api/events");
  feed.addEventListener("open", () => { document.body.dataset.feed = "open"; });
  feed.addEventListener("callback.due", () => {
    count += 1;
    banner.querySelector("span").textContent = texts.due.replace("{count}", String(count));
    banner.hidden = false;
  });
})();
