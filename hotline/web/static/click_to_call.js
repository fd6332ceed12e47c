// Click-to-call from any page: a button.click-to-call rings the user's own phone first, then
// the customer (data-number), for the ticket in data-ticket (none for an outage caller without
// one); the outcome shows next to it.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const texts = JSON.parse(document.getElementById("click-to-call-text").textContent);

  for (const button of document.querySelectorAll("button.click-to-call")) {
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "call-status";
    button.after(status);
    button.addEventListener("click", async () => {
      status.textContent = "";
      status.classList.remove("error");
      const response = await fetch("/api/calls/originate", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ number: button.dataset.number, ticket: button.dataset.ticket || null }),
        credentials: "same-origin",
      });
      if (response.status === 202) {
        status.textContent = texts.calling;
        return;
      }
      const problem = (await response.json().catch(() => ({}))).error || {};
      const fields = Object.values(problem.fields || {});
      status.textContent = [problem.message || texts.failed, ...fields].join(" — ");
      status.classList.add("error");
    });
  }
})();
