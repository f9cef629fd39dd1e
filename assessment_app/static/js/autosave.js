// When the response editor sends its draft, and how long it waits after a failed save.
// Pure decisions (no DOM, no network), so tests/unit/test_autosave_js.py runs them in Node;
// init.js does the sending. The browser's copy (localStorage) is kept until the server holds
// the text, and on signing out it is sent, then deleted (see sendKeptCopies).
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.NPQAutosave = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  var FIRST_RETRY_SECONDS = 2; // then 4, 8, 16... while failures go on
  var MAX_BACKOFF_SECONDS = 60; // our own waits never grow past a minute
  var MAX_RETRY_AFTER_SECONDS = 300; // a server's Retry-After is honoured up to five minutes
  // A save not answered by then is given up and counted as failed: a hung server must never
  // leave the status saying "saved" while the newest words are only in this browser.
  var SAVE_TIMEOUT_SECONDS = 5;
  var TIMED_OUT = "timeout"; // the status of a save given up after SAVE_TIMEOUT_SECONDS

  // Send only text the server does not have yet, one request at a time, and not while
  // waiting out a Retry-After or a back-off.
  function shouldSend(text, lastSavedText, inFlight, retryAtMs, nowMs) {
    return text !== lastSavedText && !inFlight && nowMs >= retryAtMs;
  }

  // Seconds from a Retry-After header: delta-seconds or an HTTP date; null if unreadable.
  function parseRetryAfter(value, nowMs) {
    if (value === null || value === undefined) return null;
    var text = String(value).trim();
    if (/^\d+$/.test(text)) return Number(text);
    var at = Date.parse(text);
    if (isNaN(at)) return null;
    return Math.max(0, Math.ceil((at - nowMs) / 1000));
  }

  // How long to wait after the failures-th failure in a row (1, 2, ...). A 429 or 503 says
  // when to come back (Retry-After): honour it. Otherwise (offline, signed out, a 500) back
  // off exponentially, capped, so a struggling server is not hammered by every open editor.
  function retryDelaySeconds(status, retryAfter, failures, nowMs) {
    if (status === 429 || status === 503) {
      var asked = parseRetryAfter(retryAfter, nowMs);
      if (asked !== null) return Math.min(Math.max(asked, 1), MAX_RETRY_AFTER_SECONDS);
    }
    var n = Math.max(1, failures);
    return Math.min(FIRST_RETRY_SECONDS * Math.pow(2, n - 1), MAX_BACKOFF_SECONDS);
  }

  // What the participant is told: honestly where the text is, and when we try again.
  function failureStatus(delaySeconds, status) {
    var when = delaySeconds === 1 ? "1 second" : delaySeconds + " seconds";
    var text = "Not saved to the server: kept on this device; will retry in " + when + ".";
    if (status === TIMED_OUT) text += " The server did not answer.";
    else if (status === 0) text += " You may be offline.";
    else if (status === 400 || status === 401 || status === 403 || status === 200) {
      // 200 without JSON is the sign-in page: the session has ended.
      text += " You may be signed out: sign in again in a new tab, then come back to this page.";
    }
    return text;
  }

  // After a save: when the server saved the text, and, if it was typed on since, that the
  // newest words are not saved yet (never "saved" for text the server has not confirmed);
  // `note` says, once something was submitted, that the draft is not.
  function savedStatus(savedClock, upToDate, note) {
    if (!savedClock) return upToDate ? "" : "Your changes are not saved yet.";
    var text = "Draft saved at " + savedClock + ".";
    if (!upToDate) text += " Your latest changes are not saved yet.";
    return note ? text + " " + note : text;
  }

  // The copies of unsaved drafts this browser holds for one person: localStorage entries
  // ([key, value] pairs) whose key starts with `prefix`, each {text, url} as the editor keeps
  // them. An unreadable entry is still listed (without a url), so it is never dropped silently.
  function keptCopies(entries, prefix) {
    var copies = [];
    entries.forEach(function (entry) {
      if (entry[0].indexOf(prefix) !== 0) return;
      var kept = null;
      try { kept = JSON.parse(entry[1]); } catch (e) { /* listed below without a url */ }
      copies.push({ key: entry[0], url: kept && kept.url, text: kept ? kept.text : null });
    });
    return copies;
  }

  // Before signing out: send each copy to the server, one at a time (send(url, text) resolves
  // true once the server holds the text). Resolves to the keys of the copies it did not take,
  // so the sign-out can warn instead of losing them.
  function sendKeptCopies(copies, send) {
    var failed = [];
    return copies.reduce(function (previous, copy) {
      return previous.then(function () {
        if (!copy.url || typeof copy.text !== "string") {
          failed.push(copy.key);
          return null;
        }
        return Promise.resolve()
          .then(function () { return send(copy.url, copy.text); })
          .catch(function () { return false; })
          .then(function (held) { if (held !== true) failed.push(copy.key); });
      });
    }, Promise.resolve()).then(function () { return failed; });
  }

  return {
    keptCopies: keptCopies,
    sendKeptCopies: sendKeptCopies,
    shouldSend: shouldSend,
    parseRetryAfter: parseRetryAfter,
    retryDelaySeconds: retryDelaySeconds,
    failureStatus: failureStatus,
    savedStatus: savedStatus,
    SAVE_TIMEOUT_SECONDS: SAVE_TIMEOUT_SECONDS,
    TIMED_OUT: TIMED_OUT,
    MAX_BACKOFF_SECONDS: MAX_BACKOFF_SECONDS,
    MAX_RETRY_AFTER_SECONDS: MAX_RETRY_AFTER_SECONDS,
  };
});
