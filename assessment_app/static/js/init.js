// Page behaviour: GOV.UK Frontend components, the deadline countdown and the response editor.
// Everything here is an enhancement: without JavaScript the pages still show the deadline,
// the server's word count, and submit normally.

// GOV.UK Frontend by the fingerprinted URL the page names (preloaded in its head): a relative
// import would name the plain file, which the browser must check again on every page.
import(document.querySelector("script[data-govuk-frontend]").dataset.govukFrontend)
  .then(({ initAll }) => initAll());

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

// URL-encoded rather than FormData's multipart: the same fields, cheaper for the server to
// read (a cohort autosaves every 15 s), and sendBeacon sends it as a form too.
function draftData(text, csrf) {
  return new URLSearchParams({ csrf_token: csrf, text });
}

// One POST of a draft: { response, result }, where result is the server's JSON, or null when
// it did not take the text (a 200 without JSON is the sign-in page: the session has ended).
// A save not answered within the policy's timeout is aborted (an AbortError): a hung server
// is a failed save, never one left "in flight" while the status says saved.
async function postDraft(url, text, csrf) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(),
    window.NPQAutosave.SAVE_TIMEOUT_SECONDS * 1000);
  try {
    const response = await fetch(url, {
      method: "POST", body: draftData(text, csrf), credentials: "same-origin",
      headers: { Accept: "application/json" }, signal: controller.signal,
    });
    const held = response.ok && (response.headers.get("Content-Type") || "").includes("json");
    return { response, result: held ? await response.json() : null };
  } finally {
    clearTimeout(timer);
  }
}

// The over-the-limit error, shown and announced as the participant types, in the server's
// words (the textarea's data-over-limit-message). A different refusal from the server (say an
// empty response) is left as it is until the next submission.
function limitError(form, textarea, allowed) {
  const group = textarea.closest(".govuk-form-group");
  const error = form.querySelector("#text-error");
  const errorText = error.querySelector("[data-error-text]");
  const template = textarea.dataset.overLimitMessage;
  return (words) => {
    const message = window.NPQWordLimit.overLimitMessage(template, words, allowed);
    if (!message && error.dataset.errorKind !== "limit") return "";
    error.dataset.errorKind = message ? "limit" : "";
    errorText.textContent = message;
    error.hidden = !message;
    group.classList.toggle("govuk-form-group--error", Boolean(message));
    textarea.classList.toggle("govuk-textarea--error", Boolean(message));
    if (message) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
    const describedBy = textarea.getAttribute("aria-describedby").split(" ")
      .filter((id) => id && id !== "text-error");
    if (message) describedBy.push("text-error");
    textarea.setAttribute("aria-describedby", describedBy.join(" "));
    return message;
  };
}

function initResponseForm(form) {
  const textarea = form.querySelector("textarea[name=text]");
  const counter = form.querySelector("#text-count");
  const announcer = form.querySelector("[data-editor-announcer]");
  const status = form.querySelector("[data-autosave-status]");
  const hint = form.querySelector("[data-save-hint]");
  const saveButton = form.querySelector("[data-save-draft]");
  const limit = Number(textarea.dataset.wordLimit);
  const allowed = Number(textarea.dataset.wordAllowed);
  const storageKey = form.dataset.storageKey;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const policy = window.NPQAutosave;
  const unsubmittedNote = status.dataset.unsubmittedNote || "";
  const noScriptHint = hint.textContent;
  // The server's clock, as in the countdown: the browser's copy is dated by it, so it can be
  // compared with the server's saved text whatever this computer's clock says.
  const skew = (Date.parse(form.dataset.serverNow) - Date.now()) || 0;
  // The text the server is known to hold, and when it saved it: only a change is sent, and
  // the status never calls newer text saved.
  let lastSaved = textarea.value;
  let savedClock = form.dataset.draftSavedAt ? londonClock(form.dataset.draftSavedAt) : null;
  let inFlight = false;
  let failures = 0;
  let retryAt = 0;
  let saveTimer = null;
  let retryTimer = null;
  let wasOver = null;
  let restoredNote = ""; // said until the participant types again

  const showLimitError = limitError(form, textarea, allowed);

  // A screen reader hears only a change of state (the limit crossed, a save failing, saving
  // again), never the count at every pause: the visible count is not a live region.
  const announce = (text) => { announcer.textContent = text; };

  // While autosave works the no-JavaScript "Save draft" button is not needed; while it fails
  // the button and its hint come back.
  const autosaveWorks = (works) => {
    saveButton.hidden = works;
    hint.textContent = works ? hint.dataset.autosaveHint : noScriptHint;
  };

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
    const error = showLimitError(words);
    const over = words > allowed;
    if (wasOver !== null && over !== wasOver) {
      announce(over ? `Error: ${error}` : `Within the word limit again. ${text}`);
    }
    wasOver = over;
  };

  const showSaved = () => {
    if (failures) return; // the failure's status stands until a save succeeds
    const saved = policy.savedStatus(savedClock, textarea.value === lastSaved,
      savedClock ? unsubmittedNote : "");
    status.textContent = restoredNote ? `${restoredNote} ${saved}` : saved;
  };

  // A copy in this browser until the server confirms it, so a closed tab, a lost
  // connection or an expired session never loses what was typed.
  const keepLocally = () => {
    try {
      localStorage.setItem(storageKey, JSON.stringify({
        text: textarea.value, at: Date.now() + skew, url: form.dataset.autosaveUrl,
      }));
    } catch (e) { /* storage full or disabled: the server autosave still runs */ }
  };
  const forgetLocal = (savedText) => {
    try {
      const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (kept && kept.text === savedText) localStorage.removeItem(storageKey);
    } catch (e) { /* nothing to forget */ }
  };

  // Keep the browser's copy, say so (aloud at the first failure), and try again when the
  // policy says, waiting longer each time.
  const saveFailed = (httpStatus, retryAfter) => {
    failures += 1;
    const delay = policy.retryDelaySeconds(httpStatus, retryAfter, failures, Date.now());
    retryAt = Date.now() + delay * 1000;
    status.textContent = policy.failureStatus(delay, httpStatus);
    if (failures === 1) announce(status.textContent);
    autosaveWorks(false);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(save, delay * 1000);
  };

  async function save() {
    const sent = textarea.value;
    if (!policy.shouldSend(sent, lastSaved, inFlight, retryAt, Date.now())) return;
    inFlight = true;
    try {
      const { response, result } = await postDraft(form.dataset.autosaveUrl, sent, csrf);
      if (!result) {
        saveFailed(response.status, response.headers.get("Retry-After"));
        return;
      }
      const recovered = failures > 0;
      lastSaved = sent;
      savedClock = londonClock(result.saved_at);
      // The form now holds text as new as this draft (see ResponseForm.draft_saved_at).
      form.elements.draft_saved_at.value = result.saved_at;
      failures = 0;
      retryAt = 0;
      showSaved();
      if (recovered) announce(status.textContent);
      autosaveWorks(true);
      forgetLocal(sent);
    } catch (e) {
      saveFailed(e && e.name === "AbortError" ? policy.TIMED_OUT : 0, null);
    } finally {
      inFlight = false;
    }
  }

  const restore = (text, message) => {
    textarea.value = text;
    showCount();
    restoredNote = message;
    status.textContent = message;
    announce(message);
    save();
  };

  // Text typed here that never reached the server (a closed tab, a response sent after
  // signing out elsewhere) is put back when it is newer than the server's; an older copy is
  // offered, never dropped unseen.
  try {
    const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
    const serverAt = Date.parse(form.dataset.textSavedAt) || 0;
    if (kept && kept.text && kept.text !== textarea.value && !(kept.at < serverAt)) {
      restore(kept.text, "We put back text you typed in this browser that had not reached the "
        + "server. Check it: it is not submitted until you submit it.");
    } else if (kept && kept.text && kept.text !== textarea.value) {
      const use = document.createElement("button");
      use.type = "button";
      use.className = "govuk-button govuk-button--secondary";
      use.textContent = "Use the older copy kept in this browser";
      use.addEventListener("click", () => {
        use.remove();
        restore(kept.text, "The older copy from this browser is in the box.");
      });
      form.querySelector("[data-editor-status]").after(use);
      status.textContent = "This browser holds an older, different copy of your text. The box "
        + "shows the newer text saved on the server.";
    } else if (kept) {
      localStorage.removeItem(storageKey);
    }
  } catch (e) { /* unreadable copy: ignore it */ }

  // Signing out sends what this browser still holds (see initSignOut): make sure that is the
  // latest text, even if the last keystroke's copy could not be written.
  document.addEventListener("app:before-sign-out", () => {
    if (textarea.value !== lastSaved) keepLocally();
  });
  textarea.addEventListener("input", () => {
    restoredNote = "";
    keepLocally();
    showCount();
    showSaved();
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 2000);
  });
  setInterval(save, 15000);
  window.addEventListener("pagehide", () => {
    // Last chance, whatever the back-off: the copy in this browser stays if it fails.
    if (textarea.value !== lastSaved) navigator.sendBeacon(form.dataset.autosaveUrl, draftData(textarea.value, csrf));
  });
  // The submitted text is kept here too: if the server refuses the form (signed out in
  // another tab), it is put back in the editor after signing in again.
  form.addEventListener("submit", keepLocally);
  autosaveWorks(true);
  showCount();
}

// Signing out on a possibly shared computer: first send every unsaved draft this browser holds
// for the person to the server, then delete the copies and sign out. If the server does not
// take them, stay signed in and say so, offering to sign out anyway (which deletes them too).
// Without JavaScript the form simply signs out.
function initSignOut(form) {
  const prefix = form.dataset.storagePrefix;
  const csrf = form.querySelector("input[name=csrf_token]").value;
  const warning = document.querySelector("[data-sign-out-warning]");
  const copiesHere = () => {
    const entries = [];
    for (let i = 0; i < localStorage.length; i += 1) {
      const key = localStorage.key(i);
      entries.push([key, localStorage.getItem(key)]);
    }
    return window.NPQAutosave.keptCopies(entries, prefix);
  };
  const signOut = (copies) => {
    copies.forEach((copy) => localStorage.removeItem(copy.key));
    form.submit();
  };
  let copies = [];
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      document.dispatchEvent(new Event("app:before-sign-out"));
      copies = copiesHere();
    } catch (e) {
      form.submit(); // no storage here: nothing kept to send or delete
      return;
    }
    // A 409 says the attempt has ended: no draft of it is kept any more, so none is lost.
    const send = async (url, text) => {
      const { response, result } = await postDraft(url, text, csrf);
      return result !== null || response.status === 409;
    };
    const failed = await window.NPQAutosave.sendKeptCopies(copies, send);
    if (!failed.length) {
      signOut(copies);
      return;
    }
    warning.hidden = false;
    warning.focus();
  });
  warning.querySelector("[data-sign-out-anyway]").addEventListener("click", () => signOut(copies));
}

document.querySelectorAll("[data-module=app-countdown]").forEach(initCountdown);
document.querySelectorAll("[data-module=app-sign-out]").forEach(initSignOut);
document.querySelectorAll("[data-module=app-response-form]").forEach(initResponseForm);
