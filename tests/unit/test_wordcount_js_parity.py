"""The browser's counter (static/js/wordcount.js) and the server's rule agree on every text.

One Node process counts the shared table and several hundred generated texts; Python counts
the same texts. Node is required: without it this module fails rather than skips, since a
silent skip would let the two rules drift apart.
"""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import regex

from assessment_app.wordcount import BLANK_GLYPHS, count_response, count_words, split_references

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "assessment_app" / "static" / "js" / "wordcount.js"
CASES = json.loads((ROOT / "tests" / "wordcount_cases.json").read_text("utf-8"))

# Node reads the texts, counts them with the module, and also loads the file as a browser would
# (no `module`, a global object) to check it sets window.NPQWordCount.
_NODE_PROGRAM = """
const fs = require("fs");
const vm = require("vm");
const [script, input] = process.argv.slice(1);
const { countWords, countResponse, countedSentence, splitReferences } = require(script);
const texts = JSON.parse(fs.readFileSync(input, "utf8"));
const browser = {};
vm.runInNewContext(fs.readFileSync(script, "utf8"), browser);
process.stdout.write(JSON.stringify({
  results: texts.map((text) => [countWords(text), countResponse(text), splitReferences(text),
                                countedSentence(text)]),
  browserCount: browser.NPQWordCount.countWords("one two\\nReferences\\nthree (2019)"),
}));
"""

_ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzRBWXYZ0123456789")
    + list(".,;:!?'\"()[]{}#*|/&@%-_=+")
    + list("\u2013\u2014\u2022\u00b7\u2019\u201c\u00a3")  # dashes, bullets, curly quotes
    + list("\u0175\u00e9\u03b1\u03a9\u0628\u0663\u2163\u00bd\u0301")  # Welsh, Greek, Arabic...
    + ["\u6559\u5e08", "\u5b66", "\u3001"]  # CJK runs and punctuation
    + ["\U0001F600", "\U0001F44D\U0001F3FD", "\u2764\ufe0f", "\U0001F469\u200d\U0001F3EB"]
    # Separators elsewhere but not here, and case-folding traps for the heading test.
    + ["\x1c", "\x1d", "\x1e", "\x1f", "\u180e", "\u2060", "\u00ad", "\u017f", "\u212a", "\u0130"]
    + ["\u3164", "\u2800", "\u200b", "\u200d", " 2019", "(2020)", "n.d.", "doi:10.1000/1"]
    + list(" \t\u00a0\u2003\u3000\u200b")
)
_HEADING_LINES = [
    "References", "references", "REFERENCES:", "## Bibliography:", "# References", "Bibliography",
    " References : ", "\u00a0References\u00a0", "References.", "Reference", "References and notes",
    "**References**", "Reference\u017f", "#", "",
]
_LINE_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"]


def _generated_texts(count: int) -> list[str]:
    """Random texts from a fixed seed, so a failure can be reproduced."""
    rng = random.Random(20251123)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 60)):
            if rng.random() < 0.06:
                parts += [rng.choice(_LINE_BREAKS), rng.choice(_HEADING_LINES),
                          rng.choice(_LINE_BREAKS + [""])]
            else:
                parts.append(rng.choice(_ALPHABET))
        texts.append("".join(parts))
    return texts


# Every character the separator rule decides (White_Space, default-ignorable, format and blank
# glyphs, in this Unicode's data), between letters and alone, and a sample of each script.
_ALL = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
_DECIDED = sorted(set(regex.findall(
    r"[\p{White_Space}\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zs}]", _ALL)) | set(BLANK_GLYPHS))
_SCRIPTS = regex.findall(
    r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}"
    r"\p{Script=Greek}\p{Script=Arabic}\p{Script=Thai}\p{Script=Devanagari}]", _ALL)[::37]
CHARACTER_TEXTS = [form.format(ch) for ch in _DECIDED + _SCRIPTS for form in ("x{}x", "{}")]
# The attack in the issue: U+2800 between 4,800 words.
BRAILLE_ATTACK = "\u2800".join(["word"] * 4800)

TEXTS = ([case["text"] for case in CASES] + _generated_texts(600) + CHARACTER_TEXTS
         + [BRAILLE_ATTACK])


@pytest.fixture(scope="module")
def node_output(tmp_path_factory) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is not installed or not on PATH. It is required to check "
                    "static/js/wordcount.js against assessment_app/wordcount.py.", pytrace=False)
    data = tmp_path_factory.mktemp("wordcount") / "texts.json"
    data.write_text(json.dumps(TEXTS), "utf-8")
    run = subprocess.run([node, "-e", _NODE_PROGRAM, str(SCRIPT), str(data)],
                         capture_output=True, text=True, encoding="utf-8", timeout=60)
    if run.returncode != 0:
        pytest.fail(f"node could not run {SCRIPT.name}:\n{run.stderr}", pytrace=False)
    return json.loads(run.stdout)


def test_javascript_gives_the_tables_counts(node_output):
    """The browser counter gives the stated count for every case of the shared table."""
    js_counts = [result[0] for result in node_output["results"][: len(CASES)]]
    assert js_counts == [case["words"] for case in CASES]


def _python_result(text: str) -> list:
    """What the JS module returns, computed by the server's rule."""
    split = split_references(text)
    words, entries = count_response(text)
    return [count_words(text), {"words": words, "referenceEntries": entries},
            {"body": split.body, "heading": split.heading,
             "lines": [{"text": line.text, "entry": line.entry} for line in split.lines]},
            count_response(text).sentence]


def test_javascript_and_python_agree_on_every_text(node_output):
    """For the table, 600 generated texts, every character the separator rule decides and a
    sample of scripts, both count the same and split the reference section the same."""
    assert len(node_output["results"]) == len(TEXTS)
    mismatches = [
        (text, js, _python_result(text))
        for text, js in zip(TEXTS, node_output["results"])
        if js != _python_result(text)
    ]
    assert not mismatches, f"{len(mismatches)} differ, e.g. (text, js, python): {mismatches[:3]!r}"


def test_the_braille_attack_counts_4800_in_the_browser(node_output):
    """U+2800 between 4,800 words counts 4,800 in the browser too."""
    assert node_output["results"][TEXTS.index(BRAILLE_ATTACK)][0] == 4800


def test_generated_texts_exercise_the_reference_rule():
    """The generated texts include reference sections with entries and with counted lines,
    and near-miss headings."""
    splits = [split_references(text) for text in _generated_texts(600)]
    with_section = [split for split in splits if split.heading]
    assert 50 < len(with_section) < len(splits) - 50
    assert sum(1 for split in with_section if split.entries) > 30
    assert sum(1 for split in with_section if any(not line.entry for line in split.lines)) > 30


def test_the_script_sets_the_browser_global(node_output):
    """Loaded by a plain <script> tag it exposes window.NPQWordCount, with the same rule."""
    assert node_output["browserCount"] == 2
