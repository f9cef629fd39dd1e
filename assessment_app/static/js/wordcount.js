// The word-count rule, the same as assessment_app/wordcount.py (a test holds them equal).
// A word is a run of characters between whitespace containing at least one letter or digit;
// a reference list at the end, from a "References" or "Bibliography" heading line, is not counted.
(function (root) {
  "use strict";
  // The same explicit whitespace set as the server (JS's \s differs from Python's).
  var WS = "\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006" +
    "\u2007\u2008\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff";
  var split = new RegExp("[" + WS + "]+");
  var wordChar = /[\p{L}\p{N}]/u;
  var heading = new RegExp("^#*[" + WS + "]*(references|bibliography)[" + WS + "]*:?[" + WS + "]*$", "i");
  var trimWs = new RegExp("^[" + WS + "]+|[" + WS + "]+$", "g");
  // Python's str.splitlines() boundaries, so both sides find the same heading lines.
  var lineBreak = /\r\n|[\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029]/g;

  function splitReferences(text) {
    var starts = [0];
    var match;
    lineBreak.lastIndex = 0;
    while ((match = lineBreak.exec(text)) !== null) starts.push(match.index + match[0].length);
    for (var i = starts.length - 1; i >= 0; i--) {
      var start = starts[i];
      if (start >= text.length && i > 0) continue;
      var end = i + 1 < starts.length ? starts[i + 1] : text.length;
      var line = text.slice(start, end).replace(trimWs, "");
      if (heading.test(line)) return [text.slice(0, start), text.slice(start)];
    }
    return [text, ""];
  }

  function countWords(text) {
    var body = splitReferences(text)[0];
    var count = 0;
    body.split(split).forEach(function (token) {
      if (token && wordChar.test(token)) count += 1;
    });
    return count;
  }

  var api = { countWords: countWords, splitReferences: splitReferences };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.NPQWordCount = api;
})(this);
