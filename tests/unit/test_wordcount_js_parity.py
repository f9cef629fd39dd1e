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

from assessment_app.wordcount import WHITESPACE, count_words, split_references

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "assessment_app" / "static" / "js" / "wordcount.js"
CASES = json.loads((ROOT / "tests" / "wordcount_cases.json").read_text("utf-8"))

# Node reads the texts, counts them with the module, and also loads the file as a browser would
# (no `module`, a global object) to check it sets window.NPQWordCount.
_NODE_PROGRAM = """
const fs = require("fs");
const vm = require("vm");
const [script, input] = process.argv.slice(1);
const { countWords, splitReferences } = require(script);
const texts = JSON.parse(fs.readFileSync(input, "utf8"));
const browser = {};
vm.runInNewContext(fs.readFileSync(script, "utf8"), browser);
process.stdout.write(JSON.stringify({
  results: texts.map((text) => [countWords(text), splitReferences(text)]),
  browserCount: browser.NPQWordCount.countWords("one two\\nReferences\\nthree"),
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
    + list(WHITESPACE) * 3
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


TEXTS = [case["text"] for case in CASES] + _generated_texts(600)


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
    js_counts = [count for count, _split in node_output["results"][: len(CASES)]]
    assert js_counts == [case["words"] for case in CASES]


def test_javascript_and_python_agree_on_every_text(node_output):
    """For the table and 600 generated texts, both count the same and split the same section."""
    assert len(node_output["results"]) == len(TEXTS)
    mismatches = [
        (text, js, [count_words(text), list(split_references(text))])
        for text, js in zip(TEXTS, node_output["results"])
        if js != [count_words(text), list(split_references(text))]
    ]
    assert not mismatches, f"{len(mismatches)} differ, e.g. (text, js, python): {mismatches[:3]!r}"


def test_generated_texts_exercise_the_reference_rule():
    """The generated texts include both excluded reference sections and near-miss headings."""
    generated = TEXTS[len(CASES):]
    with_section = sum(1 for text in generated if split_references(text)[1])
    assert 50 < with_section < len(generated) - 50


def test_the_script_sets_the_browser_global(node_output):
    """Loaded by a plain <script> tag it exposes window.NPQWordCount, with the same rule."""
    assert node_output["browserCount"] == 2
