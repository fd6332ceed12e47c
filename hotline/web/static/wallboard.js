// The wall screen: figures refreshed every two seconds, SLA escalations and tickets the
// moment they happen (server-sent events).
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("wall-text").textContent);

  function put(id, value) {
    document.getElementById(id).textContent = value == null ? "—" : String(value);
  }

  function seconds(total) {
    if (total == null) return "—";
    return total >= 60 ? `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}` : `${total}s`;
  }

  async function refresh() {
    let figures;
    try {
      const response = await fetch("/api/wallboard", { credentials: "same-origin" });
      if (!response.ok) return;
      figures = await response.json();
    } catch (error) {
      return;
    }
    const queues = figures.queues;
    document.getElementById("w-phone").hidden = queues !== null;
    put("w-waiting", queues && queues.waiting);
    put("w-longest", queues && seconds(queues.longest_wait_seconds));
    put("w-ready", queues && queues.agents.ready);
    put("w-busy", queues && queues.agents.busy);
    put("w-away", queues && queues.agents.away);
    const today = figures.today;
    put("w-answered", today.answered);
    put("w-abandoned", today.abandoned);
    put("w-level", today.service_level == null ? null : `${Math.round(today.service_level * 100)}%`);
    put("w-warnings", today.sla_warnings);
    put("w-breaches", today.sla_breaches);
    put("w-ringbacks", figures.ringbacks.waiting);
    put("w-rungback", figures.ringbacks.connected_today);
    put("w-ringbacks-failed", figures.ringbacks.failed_today);
    showOutages(figures.outages);
    showAgents(figures.agents);
    showQueues(queues);
    document.body.dataset.refreshed = figures.at;
  }

  function rows(id, items, cells) {
    document.querySelector(`#${id} tbody`).replaceChildren(...items.map((item) => {
      const row = document.createElement("tr");
      row.append(...cells(item).map((value) => {
        const cell = document.createElement("td");
        cell.textContent = value == null ? "—" : String(value);
        return cell;
      }));
      return row;
    }));
  }

  // Each agent with a phone: their state in the queues, calls answered and talk time today.
  function showAgents(agents) {
    rows("w-agents", agents, (a) => [
      a.name,
      a.state ? texts.states[a.state] : texts.states.logged_out,
      a.calls_today,
      seconds(a.talk_seconds_today),
    ]);
  }

  function showQueues(queues) {
    const byQueue = queues ? Object.entries(queues.by_queue) : [];
    rows("w-queues", byQueue, ([name, q]) => [
      name,
      q.waiting,
      seconds(q.longest_wait_seconds),
      `${q.agents.ready} / ${q.agents.busy} / ${q.agents.away}`,
      seconds(q.expected_wait_seconds),
    ]);
  }

  // Outages going on and clusters of no-gas reports that may be one (a dispatcher decides).
  function showOutages(outages) {
    const lines = (id, items, line) => {
      const list = document.getElementById(id);
      list.replaceChildren(...items.map((item) => {
        const li = document.createElement("li");
        li.textContent = line(item);
        return li;
      }));
    };
    lines("w-outages", outages.active, (o) => `${o.title} · ${o.areas.join("、")} · ${texts.statuses[o.status] || o.status}`);
    lines("w-suggested", outages.suggested, (s) => `${texts.suggested} ${s.area} · ${s.reports}`);
  }

  function note(kind, line) {
    const list = document.getElementById("w-events");
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = `${new Date().toLocaleTimeString()} · ${line}`;
    list.prepend(item);
    while (list.children.length > 30) list.lastChild.remove();
  }

  const feed = new EventSource("/api/events");
  feed.addEventListener("sla.warning", (event) => {
    const data = JSON.parse(event.data);
    note("warning", `${texts.warning} ${data.ticket || ""} ${texts.clocks[data.clock] || data.clock || ""}`);
    refresh();
  });
  feed.addEventListener("sla.breach", (event) => {
    const data = JSON.parse(event.data);
    note("escalation", `${texts.breach} ${data.ticket || ""} ${texts.clocks[data.clock] || data.clock || ""}`);
    refresh();
  });
  feed.addEventListener("sla.unhappy", (event) => {
    const data = JSON.parse(event.data);
    note("escalation", `${texts.unhappy} ${data.ticket || ""}`);
  });
  feed.addEventListener("ringback.gas_smell", (event) => {
    const data = JSON.parse(event.data);
    note("escalation", `${texts.gas_smell_missed} ${data.number || ""}`);
    refresh();
  });
  feed.addEventListener("ringback.failed", (event) => {
    const data = JSON.parse(event.data);
    note("warning", `${texts.ringback_failed} ${data.number || ""}`);
    refresh();
  });
  // What happened, in words: "燃气泄漏/异味 · 故障报修 BX-… 北区".
  feed.addEventListener("ticket.created", (event) => {
    const ticket = JSON.parse(event.data).ticket || {};
    const what = [texts.labels[ticket.subtype], texts.labels[ticket.type] || texts.created]
      .filter(Boolean).join(" · ");
    const kind = ticket.subtype === "gas_smell" ? "escalation" : "ticket";
    note(kind, `${what} ${ticket.number || ""} ${ticket.area || ""}`.trim());
  });
  refresh();
  setInterval(refresh, 2000);
})();
