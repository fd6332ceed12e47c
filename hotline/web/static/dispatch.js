// The board does not reload itself (a booking may be half typed): repairs reported while it is
// open are announced above it — a gas smell as an alarm with its number and address, the rest
// counted — with a link that shows the board afresh; so is a gas-smell call given up, with
// the number to call back.
"use strict";

(function () {
  const texts = JSON.parse(document.getElementById("dispatch-text").textContent);
  const alarm = document.getElementById("new-emergency");
  const waiting = document.getElementById("new-waiting");
  const givenUp = document.getElementById("gas-ringbacks");
  let count = 0;

  // An off-shift technician is a deliberate choice: the box to confirm it shows with them.
  function offShiftConfirm(select) {
    const confirm = select.form.querySelector(".off-shift-confirm");
    if (!confirm) return;
    const chosen = select.selectedOptions[0];
    confirm.hidden = !(chosen && chosen.dataset.offShift);
  }
  // The 2 h notice rule said before saving: told later than that, the move is the crew's miss.
  for (const told of document.querySelectorAll("input[data-notice-by]")) {
    const late = told.form.querySelector(".notice-late");
    const judge = () => { late.hidden = !told.value || told.value <= told.dataset.noticeBy; };
    judge();
    told.addEventListener("input", judge);
  }
  for (const select of document.querySelectorAll('.row-form select[name="technician"]')) {
    offShiftConfirm(select);
    select.addEventListener("change", () => offShiftConfirm(select));
  }

  function emergency(ticket) {
    const line = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/tickets/${encodeURIComponent(ticket.number)}`;
    link.textContent = ticket.number;
    line.append(link, ` ${ticket.address || ticket.area || ""}`);
    alarm.querySelector("ul").append(line);
    alarm.hidden = false;
  }

  function gasCallGivenUp(ringback) {
    const line = document.createElement("li");
    const arrived = (ringback.arrived_at || "").slice(11, 16);
    line.textContent = `${arrived} ${ringback.customer || ""} ${ringback.number}`;
    givenUp.querySelector("ul").append(line);
    givenUp.hidden = false;
  }

  const feed = new EventSource("/api/events");
  feed.addEventListener("open", () => { document.body.dataset.feed = "open"; });
  feed.addEventListener("ringback.gas_smell", (event) => gasCallGivenUp(JSON.parse(event.data)));
  feed.addEventListener("ticket.created", (event) => {
    const ticket = JSON.parse(event.data).ticket || {};
    if (ticket.type !== "repair") return;
    if (ticket.subtype === "gas_smell") {
      emergency(ticket);
      return;
    }
    count += 1;
    waiting.querySelector("span").textContent = texts.waiting.replace("{count}", String(count));
    waiting.hidden = false;
  });
})();
