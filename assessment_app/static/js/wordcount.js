// The word-count rule of assessment_app/wordcount.py, for the browser's live count.
// tests/unit/test_wordcount_js_parity.py holds the two equal: change both together.
// A word is a run of characters between separators (Unicode White_Space, the zero-width space
// and blank glyphs) containing at least one letter or digit; each Chinese or Japanese character
// is a word; after the last "References" or "Bibliography" heading line, lines that look like
// reference entries do not count.
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.NPQWordCount = api;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";
  // The server's SEPARATORS: White_Space, the zero-width space, then BLANK_GLYPHS (Hangul
  // fillers, Braille blank, musical null notehead).
  var SEPARATORS = "\\p{White_Space}\u200b\u115f\u1160\u3164\uffa0\u2800\u{1d159}";
  var IDEOGRAPH = "(?=[\\p{L}\\p{N}])[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}]";
  var MAX_ENTRY_WORDS = 80;

  var token = new RegExp(IDEOGRAPH + "|(?:(?!" + IDEOGRAPH + ")[^" + SEPARATORS + "])+", "gu");
  var letterOrDigit = /[\p{L}\p{N}]/u;
  var ignorable = new RegExp("(?![" + SEPARATORS + "])\\p{Default_Ignorable_Code_Point}", "gu");
  // The trailing run is tried only where a run starts (the lookbehind): tried at every
  // character of a long run inside the text, it would take quadratic time.
  var trimmed = new RegExp(
    "^[" + SEPARATORS + "]+|(?<![" + SEPARATORS + "])[" + SEPARATORS + "]+$", "gu");
  var lines = /([\n\u000b\u000c\r\u0085\u2028\u2029])/;
  var referenceMark = new RegExp(
    "(?<![0-9])(?:1[5-9]|20)[0-9]{2}(?![0-9])" +
    "|(?<![A-Za-z])[nN]\\. ?[dD]\\." +
    "|[Hh][Tt][Tt][Pp][Ss]?://|[Ww][Ww][Ww]\\." +
    "|[Dd][Oo][Ii]:|(?<![0-9])10\\.[0-9]{4,9}/", "u");

  function count(text) {
    var n = 0;
    (text.match(token) || []).forEach(function (t) {
      if (letterOrDigit.test(t)) n += 1;
    });
    return n;
  }

  function trim(text) {
    return text.replace(trimmed, "");
  }

  function visible(line) {
    return trim(line.replace(ignorable, ""));
  }

  function isReferenceHeading(line) {
    var core = trim(visible(line).replace(/^#+/, ""));
    if (core.charAt(core.length - 1) === ":") core = trim(core.slice(0, -1));
    // Only ASCII letters lower to these words, so Python and JS lower-casing agree here.
    core = core.toLowerCase();
    return core === "references" || core === "bibliography";
  }

  function isReferenceEntry(line) {
    return referenceMark.test(visible(line)) && count(line) <= MAX_ENTRY_WORDS;
  }

  // {body, heading, lines: [{text, entry}]}: body + heading + every line's text is the text.
  function splitReferences(text) {
    var pieces = text.split(lines);
    var all = [];
    for (var i = 0; i < pieces.length; i += 2) all.push(pieces[i] + (pieces[i + 1] || ""));
    var heading = -1;
    all.forEach(function (line, index) {
      if (isReferenceHeading(line)) heading = index;
    });
    if (heading < 0) return { body: text, heading: "", lines: [] };
    return {
      body: all.slice(0, heading).join(""),
      heading: all[heading],
      lines: all.slice(heading + 1).map(function (line) {
        return { text: line, entry: isReferenceEntry(line) };
      }),
    };
  }

  // {words, referenceEntries}: what the participant is shown before submitting.
  function countResponse(text) {
    var split = splitReferences(text);
    var counted = split.body;
    var entries = 0;
    split.lines.forEach(function (line) {
      if (line.entry) entries += 1;
      else counted += line.text;
    });
    return { words: count(counted), referenceEntries: entries };
  }

  function countWords(text) {
    return countResponse(text).words;
  }

  // The server's ResponseCount.sentence: "Counted: 1,500 words. Reference list: 3 entries, ...".
  function countedSentence(text) {
    var counted = countResponse(text);
    var n = counted.words;
    var m = counted.referenceEntries;
    return "Counted: " + n.toLocaleString("en-GB") + " word" + (n === 1 ? "" : "s") +
      ". Reference list: " + m.toLocaleString("en-GB") + " entr" + (m === 1 ? "y" : "ies") +
      ", not counted.";
  }

  return {
    countWords: countWords, countResponse: countResponse, countedSentence: countedSentence,
    splitReferences: splitReferences,
  };
});
