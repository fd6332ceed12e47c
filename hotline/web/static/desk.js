// The agent's desk: the live screen pop (server-sent events) and the ticket form. Every call
// has a form of its own (a tab named after the call): a second pop opens a second form and
// never changes what the first holds. Forms survive a reload or an expired session. Text
// from the server is only ever set with textContent: a caller's name can never become markup.
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("desk-text").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("ticket-form");
  const STORE = "hotline.desk-forms";
  const NO_CALL = "no-call";
  // The fields a call fills in from the caller's file; they stay for a second ticket.
  const CALLER_FIELDS = ["call_linkedid", "customer_id", "caller_phone", "caller_name", "address", "area"];
  // Each tab: {pop: the screen pop or null, draft: the form's values, made: tickets created}.
  let desk = { active: NO_CALL, tabs: { [NO_CALL]: { pop: null, draft: {}, made: [] } } };

  function text(id, value) {
    document.getElementById(id).textContent = value == null ? "" : String(value);
  }

  function link(href, label) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = label;
    return a;
  }

  const dayOf = new Intl.DateTimeFormat("en-CA", { timeZone: texts.timezone, year: "numeric", month: "2-digit", day: "2-digit" });
  const clockOf = new Intl.DateTimeFormat("en-GB", { timeZone: texts.timezone, hour: "2-digit", minute: "2-digit" });

  // "today 22:18", "yesterday 09:05", "11-28 14:30": the utility's local time, in words.
  function when(iso) {
    if (!iso) return "";
    const moment = new Date(iso);
    const day = dayOf.format(moment);
    const today = new Date();
    const yesterday = new Date(today.getTime() - 86400000);
    let prefix = day.slice(5);
    if (day === dayOf.format(today)) prefix = texts.today;
    else if (day === dayOf.format(yesterday)) prefix = texts.yesterday;
    else if (day.slice(0, 4) !== dayOf.format(today).slice(0, 4)) prefix = day;
    return `${prefix} ${clockOf.format(moment)}`;
  }

  function fill(listId, items, line) {
    const list = document.getElementById(listId);
    list.replaceChildren();
    for (const item of items) {
      const li = document.createElement("li");
      const content = line(item);
      if (typeof content === "string") li.textContent = content;
      else li.append(...content);
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

  function formValues() {
    const draft = {};
    for (const element of form.elements) {
      if (!element.name) continue;
      draft[element.name] = element.type === "checkbox" ? element.checked : element.value;
    }
    return draft;
  }

  function loadForm(draft) {
    form.reset();
    for (const [name, value] of Object.entries(draft)) {
      const element = form.elements[name];
      if (!element || !element.name) continue;
      if (element.type === "checkbox") element.checked = Boolean(value);
      else element.value = value;
    }
    showTypeFields();
  }

  function store() {
    localStorage.setItem(STORE, JSON.stringify(desk));
  }

  function saveDraft() {
    desk.tabs[desk.active].draft = formValues();
    store();
  }

  function restore() {
    const saved = JSON.parse(localStorage.getItem(STORE) || "null");
    if (saved && saved.tabs && saved.tabs[NO_CALL]) desk = saved;
    if (!desk.tabs[desk.active]) desk.active = NO_CALL;
  }

  function callerLabel(tab) {
    const pop = tab.pop;
    const number = pop.call.caller || texts.withheld;
    return pop.customer ? `${number} · ${pop.customer.name}` : number;
  }

  function renderTabs() {
    const list = document.getElementById("call-tabs");
    list.replaceChildren();
    for (const [key, tab] of Object.entries(desk.tabs)) {
      const item = document.createElement("span");
      item.className = "call-tab";
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("role", "tab");
      button.dataset.call = key;
      button.setAttribute("aria-selected", String(key === desk.active));
      button.textContent = tab.pop ? callerLabel(tab) : texts.no_call;
      if (tab.pop && tab.pop.call.answered_at) button.title = when(tab.pop.call.answered_at);
      button.addEventListener("click", () => switchTo(key));
      item.appendChild(button);
      if (key !== NO_CALL) {
        const close = document.createElement("button");
        close.type = "button";
        close.className = "close";
        close.dataset.close = key;
        close.setAttribute("aria-label", texts.close_form.replace("{caller}", callerLabel(tab)));
        close.textContent = "×";
        close.addEventListener("click", () => closeTab(key));
        item.appendChild(close);
      }
      list.appendChild(item);
    }
    const tab = desk.tabs[desk.active];
    text("form-call", tab.pop ? texts.for_call.replace("{caller}", callerLabel(tab)) : texts.no_call_form);
    document.body.dataset.activeCall = desk.active === NO_CALL ? "" : desk.active;
  }

  function switchTo(key, fresh = false) {
    // A page just loaded has an empty form: nothing of it to keep.
    if (!fresh && desk.tabs[desk.active]) saveDraft();
    desk.active = key;
    const tab = desk.tabs[key];
    loadForm(tab.draft);
    clearErrors();
    showMade(tab);
    showPop(tab.pop);
    renderTabs();
    store();
  }

  function closeTab(key) {
    delete desk.tabs[key];
    if (desk.active === key) {
      desk.active = NO_CALL;
      const remaining = Object.keys(desk.tabs).filter((other) => other !== NO_CALL);
      if (remaining.length) desk.active = remaining[remaining.length - 1];
      const tab = desk.tabs[desk.active];
      loadForm(tab.draft);
      showMade(tab);
      showPop(tab.pop);
    }
    renderTabs();
    store();
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

  function showCustomer(customer) {
    const shown = document.getElementById("pop-customer");
    shown.replaceChildren();
    if (customer) shown.appendChild(link(`/customers/${customer.id}`, `${customer.name} · ${customer.account_number}`));
  }

  function showPop(data) {
    document.getElementById("pop-idle").hidden = Boolean(data);
    document.getElementById("pop-call").hidden = !data;
    if (!data) return;
    const call = data.call;
    text("pop-number", call.caller || texts.withheld);
    text("pop-answered", call.answered_at ? when(call.answered_at) : "");
    const customer = data.customer;
    showCare(customer);
    document.getElementById("pop-unknown").hidden = !data.unknown_caller || !call.caller;
    document.getElementById("pop-file-unavailable").hidden = !data.file_unavailable;
    document.getElementById("customer-error").hidden = true;
    showCustomer(customer);
    text("pop-choice", call.ivr_choice ? texts.choices[call.ivr_choice] || call.ivr_choice : texts.none);
    const open = data.open_tickets || [];
    document.getElementById("pop-repeat").hidden = !open.length;
    text("pop-repeat", open.length ? texts.repeat.replace("{count}", open.length) : "");
    fill("pop-tickets", open, (t) => [
      link(`/tickets/${encodeURIComponent(t.number)}`, t.number),
      ` · ${texts.types[t.type] || t.type} · ${texts.statuses[t.status] || t.status} · ${t.description}`,
      addCallForm(data.call.linkedid, t.number),
    ]);
    showIncidents(data.incidents || [], call.linkedid);
    const outages = data.outages || [];
    document.getElementById("pop-outage-box").hidden = !outages.length;
    fill("pop-outages", outages, (o) => [
      link(`/tickets/${encodeURIComponent(o.number)}`, o.number),
      ` · ${o.area} · ${o.description}`,
    ]);
    fill("pop-calls", data.recent_calls || [], (c) => [
      link(`/calls/${encodeURIComponent(c.linkedid)}`, when(c.started_at)),
      ` · ${texts.dispositions[c.disposition] || c.disposition || ""}`,
    ]);
  }

  // A repeat call about an open ticket joins it, with a note, instead of a duplicate ticket.
  function addCallForm(linkedid, number) {
    const adding = document.createElement("form");
    adding.className = "add-call";
    adding.dataset.ticket = number;
    const note = document.createElement("input");
    note.name = "body";
    note.maxLength = 2000;
    note.placeholder = texts.note_placeholder;
    note.setAttribute("aria-label", texts.note_placeholder);
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = texts.add_call.replace("{number}", number);
    const said = document.createElement("span");
    said.setAttribute("role", "status");
    adding.append(note, button, said);
    adding.addEventListener("submit", async (event) => {
      event.preventDefault();
      const response = await fetch(`/api/tickets/${encodeURIComponent(number)}/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ body: note.value.trim(), call_linkedid: linkedid }),
        credentials: "same-origin",
      }).catch(() => null);
      const answer = response ? await response.json().catch(() => ({})) : {};
      if (response && response.status === 201) {
        said.className = "ok";
        said.textContent = texts.call_added.replace("{number}", number);
        note.value = "";
        document.body.dataset.added = number;
      } else {
        said.className = "field-error";
        const error = answer.error || {};
        said.textContent = response ? Object.values(error.fields || {}).join("; ") || error.message || texts.failed : texts.offline;
      }
    });
    return adding;
  }

  function showMade(tab) {
    const ok = document.getElementById("form-ok");
    ok.replaceChildren();
    ok.hidden = !tab.made.length;
    if (!tab.made.length) return;
    ok.append(`${texts.created} `);
    tab.made.forEach((number, index) => {
      if (index) ok.append(", ");
      ok.appendChild(link(`/tickets/${encodeURIComponent(number)}`, number));
    });
  }

  // What a call fills in: the caller's number, file, name and first address.
  function callerDraft(data) {
    const draft = { call_linkedid: data.call.linkedid, caller_phone: data.call.caller || "" };
    const customer = data.customer;
    if (customer) {
      draft.customer_id = customer.id;
      draft.caller_name = customer.name;
      const address = customer.addresses[0];
      if (address) {
        draft.address = address.address;
        draft.area = address.area || "";
      }
    }
    if (data.suggested) {
      draft.type = data.suggested.type;
      draft.subtype = data.suggested.subtype || "";
    }
    return draft;
  }

  function pop(data) {
    const key = data.call.linkedid;
    // Sent again when the feed reopens mid-call: a call already on the desk is not brought
    // to the front over what the agent is doing.
    if (data.replayed && desk.tabs[key]) {
      desk.tabs[key].pop = data;
      return;
    }
    if (desk.tabs[desk.active]) saveDraft();
    if (!desk.tabs[key]) desk.tabs[key] = { pop: data, draft: callerDraft(data), made: [] };
    else desk.tabs[key].pop = data;
    switchTo(key);
    document.body.dataset.popped = key;
    document.body.dispatchEvent(new Event("calls-changed"));
  }

  async function openCustomerFile(event) {
    event.preventDefault();
    const customerForm = event.target;
    const tab = desk.tabs[desk.active];
    const problem = document.getElementById("customer-error");
    problem.hidden = true;
    const body = { phone: tab.pop.call.caller };
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
    tab.pop.customer = answer;
    tab.pop.unknown_caller = false;
    const filed = callerDraft(tab.pop);
    for (const name of CALLER_FIELDS) {
      if (filed[name] && !form.elements[name].value) form.elements[name].value = filed[name];
    }
    form.elements.customer_id.value = answer.id;
    saveDraft();
    showPop(tab.pop);
    renderTabs();
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
      note.setAttribute("role", "alert");
      note.textContent = problem;
      element.after(note);
    }
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const key = desk.active;
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
      const tab = desk.tabs[key];
      tab.made.push(answer.number);
      // A second ticket on the same call is for the same caller: keep who and where.
      const kept = {};
      for (const name of CALLER_FIELDS) kept[name] = body[name] == null ? "" : String(body[name]);
      tab.draft = kept;
      if (desk.active === key) {
        loadForm(kept);
        showMade(tab);
      }
      store();
      document.body.dispatchEvent(new Event("calls-changed"));
      return;
    }
    if (response.status === 401) {
      showError(texts.expired, {});
      return;
    }
    const error = answer.error || {};
    // Each fault is said at its field; the box above the button says what to do.
    const marked = Object.keys(error.fields || {}).length > 0;
    showError(marked ? texts.fix_fields : error.message || texts.failed, error.fields);
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
      if (!response.ok) return;
      for (const other of document.querySelectorAll("button.state")) {
        other.setAttribute("aria-pressed", String(other.dataset.state === answer.state));
      }
    });
  }

  restore();
  switchTo(desk.active, true);
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
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
