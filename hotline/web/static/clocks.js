// SLA countdowns: green while early, amber from the 80 % warning, red once due. The server's
// clock is the reference (data-now), so a browser whose clock is off still counts right.
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("clock-text").textContent);
  const table = document.querySelector("[data-now]");
  const skew = table ? Date.parse(table.dataset.now) - Date.now() : 0;

  function span(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const hours = Math.floor(minutes / 60);
    const days = Math.floor(hours / 24);
    if (days) return `${days}d ${hours % 24}h`;
    if (hours) return `${hours}h ${minutes % 60}m`;
    return `${minutes}m`;
  }

  function tick() {
    const now = Date.now() + skew;
    for (const clock of document.querySelectorAll(".clock")) {
      const left = clock.querySelector(".left");
      if (clock.classList.contains("met")) { left.textContent = texts.met; continue; }
      // Clocked from a planned outage's start: nothing counts down before it.
      if (clock.dataset.starts) {
        const starts = Date.parse(clock.dataset.starts);
        if (now < starts) { left.textContent = `${texts.starts} ${span(starts - now)}`; continue; }
      }
      if (clock.dataset.running !== "yes" && !clock.classList.contains("breached")) {
        left.textContent = texts.paused;
        continue;
      }
      const due = Date.parse(clock.dataset.due);
      const warn = Date.parse(clock.dataset.warn);
      clock.classList.toggle("late", now >= due || clock.classList.contains("breached"));
      clock.classList.toggle("soon", now >= warn && now < due);
      left.textContent = now >= due ? `${texts.late} ${span(now - due)}` : `${span(due - now)} ${texts.left}`;
    }
  }

  tick();
  setInterval(tick, 1000);
})();
