// The word-count rule of assessment_app/wordcount.py, for the browser's live count.
// tests/unit/test_wordcount_js_parity.py holds the two equal: change both together.
// A word is a run of characters between whitespace containing at least one letter or digit; a
// reference list at the end, from the last "References" or "Bibliography" heading line, does
// not count.
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.NPQWordCount = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  // The server's explicit sets (WHITESPACE, LINE_BREAKS): JS's \s and line terminators differ.
  var WHITESPACE = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005" +
    "\u2006\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff";
  var LINE_BREAKS = "\n\u000b\u000c\r\u0085\u2028\u2029";

  var separator = new RegExp("[" + WHITESPACE + "]+");
  var lineBreak = new RegExp("[" + LINE_BREAKS + "]");
  var trimStart = new RegExp("^[" + WHITESPACE + "]+");
  var trimEnd = new RegExp("[" + WHITESPACE + "]+$");
  var wordChar = /[\p{L}\p{N}]/u;

  function trim(text) {
    return text.replace(trimStart, "").replace(trimEnd, "");
  }

  function isReferenceHeading(line) {
    var core = trim(trim(line).replace(/^#+/, ""));
    if (core.charAt(core.length - 1) === ":") core = core.slice(0, -1).replace(trimEnd, "");
    // Only ASCII letters lower to these words, so Python and JS lower-casing agree here.
    core = core.toLowerCase();
    return core === "references" || core === "bibliography";
  }

  // [counted body, excluded reference section ("" if none)].
  function splitReferences(text) {
    var start = -1;
    var offset = 0;
    text.split(lineBreak).forEach(function (line) {
      if (isReferenceHeading(line)) start = offset;
      offset += line.length + 1; // every line break is one character
    });
    return start < 0 ? [text, ""] : [text.slice(0, start), text.slice(start)];
  }

  function countWords(text) {
    var count = 0;
    splitReferences(text)[0].split(separator).forEach(function (token) {
      if (wordChar.test(token)) count += 1;
    });
    return count;
  }

  return { countWords: countWords, splitReferences: splitReferences };
});
