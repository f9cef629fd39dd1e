// Page behaviour: GOV.UK Frontend components, the deadline countdown and the response editor.
// Everything here is an enhancement: without JavaScript the pages still show the deadline,
// the server's word count, and submit normally.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

const { countResponse, countedSentence } = window.NPQWordCount;

function plural(n, unit) {
  return `${n.toLocaleString("en-GB")} ${unit}${n === 1 ? "" : "s"}`;
}

function timeLeftText(ms) {
  if (ms <= 0) return "the deadline has passed";
  let minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  minutes -= days * 1440;
  const hours = Math.floor(minutes / 60);
  minutes -= hours * 60;
  const parts = [];
  if (days) parts.push(plural(days, "day"));
  if (hours) parts.push(plural(hours, "hour"));
  if (minutes) parts.push(plural(minutes, "minute"));
  if (!parts.length) return "less than a minute";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

// "1:31pm", UK time: the same style as the times the server writes.
function londonClock(iso) {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", hour: "numeric", minute: "2-digit", hour12: true,
  }).formatToParts(new Date(iso));
  const get = (type) => parts.find((part) => part.type === type).value;
  return `${get("hour")}:${get("minute")}${get("dayPeriod").toLowerCase().replace(/\s/g, "")}`;
}

// The countdown uses the server's clock (sent with the page) so a wrong computer clock
// cannot mislead anyone; it is not a live region, so screen readers are not interrupted.
function initCountdown(el) {
  const closesAt = Date.parse(el.dataset.closesAt);
  const skew = Date.parse(el.dataset.serverNow) - Date.now();
  const tick = () => {
    el.textContent = timeLeftText(closesAt - (Date.now() + skew));
  };
  tick();
  setInterval(tick, 15000);
}

function initResponseForm(form) {
  const textarea = form.querySelector("textarea[name=text]");
  const counter = form.querySelector("#text-count");
  const announcer = form.querySelector("[data-word-count-announcer]");
  const status = form.querySelector("[data-autosave-status]");
  const limit = Number(textarea.dataset.wordLimit);
  const allowed = Number(textarea.dataset.wordAllowed);
  const storageKey = form.dataset.storageKey;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const policy = window.NPQAutosave;
  // The text the server is known to hold: only a change from it is sent.
  let lastSaved = textarea.value;
  let inFlight = false;
  let failures = 0;
  let retryAt = 0;
  let saveTimer = null;
  let retryTimer = null;
  let announceTimer = null;

  // The sentence the server writes on the page, kept live.
  const describe = () => {
    const { words } = countResponse(textarea.value);
    let text = `${countedSentence(textarea.value)} The limit is ${limit.toLocaleString("en-GB")}.`;
    if (words > allowed) text += ` You are ${plural(words - allowed, "word")} over.`;
    return { words, text };
  };

  const showCount = () => {
    const { words, text } = describe();
    counter.textContent = text;
    counter.classList.toggle("app-word-count--over", words > allowed);
    textarea.classList.toggle("govuk-textarea--error", words > allowed);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { announcer.textContent = text; }, 1500);
  };

  // A copy in this browser until the server confirms it, so a closed tab, a lost
  // connection or an expired session never loses what was typed.
  const keepLocally = () => {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ text: textarea.value, at: Date.now() }));
    } catch (e) { /* storage full or disabled: the server autosave still runs */ }
  };
  const forgetLocal = (savedText) => {
    try {
      const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (kept && kept.text === savedText) localStorage.removeItem(storageKey);
    } catch (e) { /* nothing to forget */ }
  };

  const body = () => {
    const data = new FormData();
    data.append("csrf_token", csrf);
    data.append("text", textarea.value);
    return data;
  };

  // Keep the browser's copy, say so, and try again when the policy says.
  const saveFailed = (httpStatus, retryAfter) => {
    failures += 1;
    const delay = policy.retryDelaySeconds(httpStatus, retryAfter, failures, Date.now());
    retryAt = Date.now() + delay * 1000;
    status.textContent = policy.failureStatus(delay, httpStatus);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(save, delay * 1000);
  };

  async function save() {
    const sent = textarea.value;
    if (!policy.shouldSend(sent, lastSaved, inFlight, retryAt, Date.now())) return;
    inFlight = true;
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST", body: body(), credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const json = response.ok && (response.headers.get("Content-Type") || "").includes("json");
      if (!json) {
        saveFailed(response.status, response.headers.get("Retry-After"));
        return;
      }
      const result = await response.json();
      lastSaved = sent;
      failures = 0;
      retryAt = 0;
      status.textContent = `Draft saved at ${londonClock(result.saved_at)}.`;
      forgetLocal(sent);
    } catch (e) {
      saveFailed(0, null); // offline, or the connection dropped
    } finally {
      inFlight = false;
    }
  }

  // Restore text typed here that never reached the server.
  try {
    const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
    if (kept && kept.text && kept.text !== textarea.value) {
      textarea.value = kept.text;
      status.textContent = "We restored text you typed in this browser that had not been saved. "
        + "Check it: it is being saved now.";
      save();
    } else if (kept) {
      localStorage.removeItem(storageKey);
    }
  } catch (e) { /* unreadable copy: ignore it */ }

  textarea.addEventListener("input", () => {
    keepLocally();
    showCount();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 2000);
  });
  setInterval(save, 15000);
  window.addEventListener("pagehide", () => {
    // Last chance, whatever the back-off: the copy in this browser stays if it fails.
    if (textarea.value !== lastSaved) navigator.sendBeacon(form.dataset.autosaveUrl, body());
  });
  form.addEventListener("submit", keepLocally);
  showCount();
}

document.querySelectorAll("[data-module=app-countdown]").forEach(initCountdown);
document.querySelectorAll("[data-module=app-response-form]").forEach(initResponseForm);
