// The live call, keyboard first. Everything here is an enhancement: the pages work without it.
//   1-9    choose that answer (or tick that check)        Enter  continue
//   D      immediate risk: deploy police now                S      ask a supervisor
const page = document.querySelector("[data-call-page]");

function typing(target) {
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !["radio", "checkbox"].includes(target.type));
}

if (page) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const key = event.key;
    if (/^[1-9]$/.test(key)) {
      const input = document.querySelector(`#answer-form input[data-key="${key}"]`);
      if (input) {
        event.preventDefault();
        if (input.type === "checkbox") input.click();
        else if (!input.checked) input.click();
        input.focus();
      }
    } else if (key === "Enter" && event.target.matches?.("#answer-form input[type=radio], #answer-form input[type=checkbox]")) {
      event.preventDefault();
      event.target.form.requestSubmit();
    } else if (key === "d" || key === "D") {
      event.preventDefault();
      window.location.assign(page.dataset.overrideUrl);
    } else if (key === "s" || key === "S") {
      event.preventDefault();
      window.location.assign(page.dataset.escalateUrl);
    }
  });
}

// Notes that some answers need: shown under the chosen answer only (without JavaScript, all show).
// GOV.UK's own conditional reveal sets aria-expanded on radios, which axe reports; this does not.
const form = document.getElementById("answer-form");
if (form) {
  const reveal = () => {
    for (const box of form.querySelectorAll("[data-conditional]")) {
      const radio = form.querySelector(`input[data-reveals="${box.id}"]`);
      box.classList.toggle("govuk-radios__conditional--hidden", !(radio && radio.checked));
    }
  };
  form.addEventListener("change", reveal);
  reveal();
}

// "Tick all that apply": an exclusive answer ("None of these", "Not known") is ticked on its own.
// The server refuses the mix anyway; this only saves the handler the error.
if (form) {
  form.addEventListener("change", (event) => {
    const box = event.target;
    if (!box.matches?.("input[type=checkbox]") || !box.checked) return;
    const exclusive = box.dataset.behaviour === "exclusive";
    for (const other of form.querySelectorAll(`input[type=checkbox][name="${box.name}"]`)) {
      if (other !== box && (exclusive || other.dataset.behaviour === "exclusive")) other.checked = false;
    }
  });
}

// Copy the record for the command-and-control log.
for (const button of document.querySelectorAll("[data-copy-target]")) {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const source = document.getElementById(button.dataset.copyTarget);
    const status = button.parentElement.querySelector("[data-copy-status]");
    try {
      await navigator.clipboard.writeText(source.value);
      if (status) status.textContent = "Copied";
    } catch {
      source.select();
      if (status) status.textContent = "Select all and copy (Ctrl+C)";
    }
  });
}

// Elapsed times tick without a reload.
function elapsed(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0");
  return (h ? `${h}:` : "") + `${mm}:${String(s).padStart(2, "0")}`;
}

function tick() {
  for (const el of document.querySelectorAll("[data-elapsed-since]")) {
    const since = Date.parse(el.dataset.elapsedSince);
    if (!Number.isNaN(since)) el.textContent = elapsed(since);
  }
}
tick();
setInterval(tick, 1000);
document.body.addEventListener("htmx:afterSwap", tick);
