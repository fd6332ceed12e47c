// A ticket's actions, through the JSON API with the session's CSRF token.
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("ticket-text").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const number = document.querySelector("[data-number]").dataset.number;
  const error = document.getElementById("action-error");

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    return { response, answer };
  }

  // The reason for each field next to it, in the reader's language (the API answers in it);
  // a reason for a field the form does not show goes with the message on top.
  function fail(answer, form) {
    const problem = answer.error || {};
    const elsewhere = [];
    for (const old of document.querySelectorAll(".action .field-error")) old.remove();
    for (const [name, reason] of Object.entries(problem.fields || {})) {
      const field = form && form.elements[name];
      if (field && field.closest) {
        const said = document.createElement("span");
        said.className = "field-error";
        said.setAttribute("role", "alert");
        said.textContent = reason;
        field.closest("label").append(said);
      } else {
        elsewhere.push(`${name}: ${reason}`);
      }
    }
    error.textContent = [problem.message || texts.failed, ...elsewhere].join(" — ");
    error.hidden = false;
  }

  for (const form of document.querySelectorAll("form.action")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.hidden = true;
      const body = {};
      for (const element of form.elements) {
        if (element.name && element.value.trim()) body[element.name] = element.value.trim();
      }
      const path = `/api/tickets/${encodeURIComponent(number)}/actions/${form.dataset.action}`;
      const { response, answer } = await post(path, body);
      if (response.ok) location.reload();
      else fail(answer, form);
    });
  }

  const noteForm = document.getElementById("note-form");
  noteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const path = `/api/tickets/${encodeURIComponent(number)}/notes`;
    const { response, answer } = await post(path, { body: noteForm.elements.body.value.trim() });
    if (response.ok) location.reload();
    else fail(answer);
  });
})();
