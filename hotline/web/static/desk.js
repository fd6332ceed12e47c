// The agent's desk: the live screen pop (server-sent events) and the ticket form, whose draft
// survives a reload or an expired session. Text from the server is only ever set with
// textContent: a caller's name can never become markup.
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("desk-text").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("ticket-form");
  const DRAFT = "hotline.ticket-draft";
  let popped = null;

  function text(id, value) {
    document.getElementById(id).textContent = value == null ? "" : String(value);
  }

  function fill(listId, items, line) {
    const list = document.getElementById(listId);
    list.replaceChildren();
    for (const item of items) {
      const li = document.createElement("li");
      li.textContent = line(item);
      list.appendChild(li);
    }
    if (!items.length) {
      const li = document.createElement("li");
      li.textContent = texts.none;
      list.appendChild(li);
    }
  }

  function showTypeFields() {
    const type = form.elements.type.value;
    for (const label of form.querySelectorAll("[data-for]")) {
      label.hidden = label.dataset.for !== type;
    }
    const subtype = form.elements.subtype;
    for (const option of subtype.options) {
      if (option.dataset.type) option.hidden = option.dataset.type !== type;
    }
    const chosen = subtype.selectedOptions[0];
    if (chosen && chosen.dataset.type && chosen.dataset.type !== type) subtype.value = "";
  }

  // A time typed in the form is the utility's local time.
  function localMoment(value) {
    return value ? `${value}:00${texts.offset}` : null;
  }

  function ticketBody() {
    const values = {};
    for (const element of form.elements) {
      if (!element.name) continue;
      if (element.type === "checkbox") values[element.name] = element.checked;
      else if (element.value.trim()) values[element.name] = element.value.trim();
    }
    const { appointment_start: start, appointment_end: end, named_staff: named, ...body } = values;
    if (body.type === "repair" && (start || end)) {
      body.appointment = { start: localMoment(start), end: localMoment(end) };
    }
    if (body.type === "complaint" && named) {
      body.named_staff = named.split(/[,，、;；\s]+/).filter(Boolean);
    }
    if (body.type !== "consultation" || !body.special) {
      delete body.special_reason;
      if (body.type !== "consultation") delete body.special;
    }
    if (body.received_at) body.received_at = localMoment(body.received_at);
    if (body.customer_id) body.customer_id = Number(body.customer_id);
    return body;
  }

  function saveDraft() {
    const draft = {};
    for (const element of form.elements) {
      if (!element.name) continue;
      draft[element.name] = element.type === "checkbox" ? element.checked : element.value;
    }
    localStorage.setItem(DRAFT, JSON.stringify(draft));
  }

  function restoreDraft() {
    const saved = localStorage.getItem(DRAFT);
    if (!saved) return;
    const draft = JSON.parse(saved);
    for (const [name, value] of Object.entries(draft)) {
      const element = form.elements[name];
      if (!element) continue;
      if (element.type === "checkbox") element.checked = Boolean(value);
      else element.value = value;
    }
  }

  function setIfEmpty(name, value) {
    const element = form.elements[name];
    if (element && !element.value && value) element.value = value;
  }

  function showCare(customer) {
    const care = document.getElementById("pop-care");
    care.hidden = !(customer && customer.special_care);
    if (customer && customer.special_care) {
      care.textContent = texts.care[customer.special_care] || customer.special_care;
    }
  }

  // Outages where the caller's gas is off: what to say, and one click to join the call.
  function showIncidents(incidents, linkedid) {
    document.getElementById("pop-incident-box").hidden = !incidents.length;
    const list = document.getElementById("pop-incidents");
    list.replaceChildren();
    for (const incident of incidents) {
      const li = document.createElement("li");
      const words = (text) => texts.incident_words[text] || text;
      const back = incident.expected_restoration ? incident.expected_restoration.slice(0, 16).replace("T", " ") : "";
      const line = document.createElement("p");
      line.textContent = `${incident.title} · ${texts.causes[incident.cause] || incident.cause} · ${texts.expected_back} ${back}`;
      const script = document.createElement("p");
      script.className = "hint";
      script.textContent = `${words(incident.agent_script)} ${words(incident.apology)}`;
      const join = document.createElement("button");
      join.type = "button";
      join.className = "join-outage";
      join.textContent = texts.join_outage;
      join.addEventListener("click", async () => {
        const response = await fetch(`/api/incidents/${incident.id}/links`, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ call_linkedid: linkedid }),
        });
        if (response.ok) {
          join.disabled = true;
          join.textContent = texts.joined_outage;
        }
      });
      li.append(line, script, join);
      list.appendChild(li);
    }
  }

  function pop(data) {
    document.getElementById("pop-idle").hidden = true;
    document.getElementById("pop-call").hidden = false;
    const call = data.call;
    text("pop-number", call.caller || texts.withheld);
    const customer = data.customer;
    showCare(customer);
    document.getElementById("pop-unknown").hidden = !data.unknown_caller || !call.caller;
    document.getElementById("customer-error").hidden = true;
    text("pop-customer", customer ? `${customer.name} · ${customer.account_number}` : "");
    form.elements.customer_id.value = customer ? customer.id : "";
    popped = call;
    text("pop-choice", call.ivr_choice ? texts.choices[call.ivr_choice] || call.ivr_choice : texts.none);
    fill("pop-tickets", data.open_tickets, (t) => `${t.number} · ${texts.types[t.type] || t.type} · ${texts.statuses[t.status] || t.status} · ${t.description}`);
    showIncidents(data.incidents || [], call.linkedid);
    const outages = data.outages || [];
    document.getElementById("pop-outage-box").hidden = !outages.length;
    fill("pop-outages", outages, (o) => `${o.number} · ${o.area} · ${o.description}`);
    fill("pop-calls", data.recent_calls, (c) => `${c.started_at} · ${texts.dispositions[c.disposition] || c.disposition || ""}`);
    form.elements.call_linkedid.value = call.linkedid;
    if (data.suggested) {
      form.elements.type.value = data.suggested.type;
      form.elements.subtype.value = data.suggested.subtype || "";
      showTypeFields();
    }
    setIfEmpty("caller_phone", call.caller);
    if (customer) {
      setIfEmpty("caller_name", customer.name);
      const address = customer.addresses[0];
      if (address) {
        setIfEmpty("address", address.address);
        setIfEmpty("area", address.area);
      }
    }
    saveDraft();
    document.body.dataset.popped = call.linkedid;
    document.body.dispatchEvent(new Event("calls-changed"));
  }

  async function openCustomerFile(event) {
    event.preventDefault();
    const customerForm = event.target;
    const problem = document.getElementById("customer-error");
    problem.hidden = true;
    const body = { phone: popped.caller };
    for (const element of customerForm.elements) {
      if (element.name && element.value.trim()) body[element.name] = element.value.trim();
    }
    const response = await fetch("/api/customers", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).catch(() => null);
    const answer = response ? await response.json().catch(() => ({})) : {};
    if (!response || response.status !== 201) {
      const error = answer.error || {};
      const fields = Object.values(error.fields || {}).join("; ");
      problem.textContent = response ? `${error.message || texts.failed} ${fields}` : texts.offline;
      problem.hidden = false;
      return;
    }
    document.getElementById("pop-unknown").hidden = true;
    text("pop-customer", `${answer.name} · ${answer.account_number}`);
    showCare(answer);
    form.elements.customer_id.value = answer.id;
    setIfEmpty("caller_name", answer.name);
    const address = answer.addresses[0];
    if (address) {
      setIfEmpty("address", address.address);
      setIfEmpty("area", address.area);
    }
    saveDraft();
    customerForm.reset();
    document.body.dataset.filed = answer.account_number;
  }

  function clearErrors() {
    for (const old of form.querySelectorAll(".field-error")) old.remove();
    document.getElementById("form-error").hidden = true;
    document.getElementById("form-ok").hidden = true;
  }

  function showError(message, fields) {
    const box = document.getElementById("form-error");
    box.textContent = message;
    box.hidden = false;
    const shownAt = { appointment: "appointment_start" };
    for (const [name, problem] of Object.entries(fields || {})) {
      const field = name.split(".")[0];
      const element = form.elements[shownAt[field] || field];
      if (!element) continue;
      const note = document.createElement("span");
      note.className = "field-error";
      note.textContent = problem;
      element.after(note);
    }
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const body = ticketBody();
    let response;
    try {
      response = await fetch("/api/tickets", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch (error) {
      showError(texts.offline, {});
      return;
    }
    const answer = await response.json().catch(() => ({}));
    if (response.status === 201) {
      localStorage.removeItem(DRAFT);
      form.reset();
      showTypeFields();
      const ok = document.getElementById("form-ok");
      ok.textContent = `${texts.created} ${answer.number}`;
      document.body.dispatchEvent(new Event("calls-changed"));
      ok.hidden = false;
      return;
    }
    if (response.status === 401) {
      showError(texts.expired, {});
      return;
    }
    const error = answer.error || {};
    showError(error.message || texts.failed, error.fields);
  }

  for (const button of document.querySelectorAll("button.state")) {
    button.addEventListener("click", async () => {
      const response = await fetch("/api/agent/status", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ state: button.dataset.state }),
        credentials: "same-origin",
      });
      const answer = await response.json().catch(() => ({}));
      const now = document.getElementById("status-now");
      now.textContent = response.ok ? texts.states[answer.state] : (answer.error || {}).message || texts.failed;
      document.body.dataset.status = response.ok ? answer.state : "";
    });
  }

  restoreDraft();
  showTypeFields();
  form.addEventListener("input", saveDraft);
  form.elements.type.addEventListener("change", showTypeFields);
  form.addEventListener("submit", submit);
  document.getElementById("customer-form").addEventListener("submit", openCustomerFile);
  const feed = new EventSource("/api/events");
  feed.addEventListener("screenpop", (event) => pop(JSON.parse(event.data)));
  // The ring-back dialler rings this agent's phone for a caller: say whom, before they pick up.
  const ringingBack = document.getElementById("ringback-now");
  feed.addEventListener("ringback.dialling", (event) => {
    const ringback = JSON.parse(event.data);
    if (ringback.agent !== ringingBack.dataset.user) return;
    ringingBack.textContent = texts.ringing_back.replace("{number}", ringback.number);
    ringingBack.hidden = false;
  });
  feed.addEventListener("open", () => { document.body.dataset.feed = "open"; });
})();
