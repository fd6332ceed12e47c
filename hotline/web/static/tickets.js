// The ticket list follows the live feed: a ticket created or moved on anywhere brings the
// list up to date at once (HTMX swaps it in), unless someone is typing in the filter.
"use strict";

(function () {
  const feed = new EventSource("/api/events");
  feed.addEventListener("open", () => { document.body.dataset.feed = "open"; });
  function refresh() {
    if (document.activeElement && document.activeElement.closest(".filters")) return;
    window.htmx.trigger(document.body, "refresh-list");
  }
  feed.addEventListener("ticket.created", refresh);
  feed.addEventListener("ticket.updated", refresh);
})();
