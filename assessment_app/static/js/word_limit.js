// The over-the-limit message of assessment_app/word_limits.py, for the editor as it counts.
// The page carries the server's own wording (the textarea's data-over-limit-message) with only
// {count} and {over} left open; this fills them in as the server would, so the participant reads
// the same words while typing as on submitting. tests/unit/test_word_limit_js.py holds the two
// equal.
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.NPQWordLimit = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  // "1 word", "1,502 words": word_limits.words.
  function words(n) {
    return n.toLocaleString("en-GB") + " word" + (n === 1 ? "" : "s");
  }

  // The message for `count` words when at most `allowed` may be submitted; "" within the limit.
  function overLimitMessage(template, count, allowed) {
    if (count <= allowed) return "";
    return template.split("{count}").join(words(count)).split("{over}").join(words(count - allowed));
  }

  return { words: words, overLimitMessage: overLimitMessage };
});
