"""While typing, the editor tells a participant over the limit exactly what the server will say
when they submit: static/js/word_limit.js fills in the page's copy of the server's message
(WordLimit.message_template) and must give WordLimit.over_limit_message's words.

Node is required, as for the other browser-code tests: a silent skip would let the two drift.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from assessment_app.word_limits import WordLimit

SCRIPT = Path(__file__).resolve().parents[2] / "assessment_app" / "static" / "js" / "word_limit.js"

# Node fills each [template, count, allowed]; the file is also loaded as a browser would (no
# `module`) to check it sets window.NPQWordLimit.
_NODE_PROGRAM = """
const fs = require("fs");
const vm = require("vm");
const [script, input] = process.argv.slice(1);
const { overLimitMessage } = require(script);
const cases = JSON.parse(fs.readFileSync(input, "utf8"));
const browser = {};
vm.runInNewContext(fs.readFileSync(script, "utf8"), browser);
process.stdout.write(JSON.stringify({
  results: cases.map(([template, count, allowed]) => overLimitMessage(template, count, allowed)),
  browser: typeof browser.NPQWordLimit.overLimitMessage,
}));
"""

LIMITS = [WordLimit(1500), WordLimit(1500, 10), WordLimit(2000, 5), WordLimit(1, 0)]
COUNTS = [0, 1, 2, 1499, 1500, 1501, 1502, 1650, 1651, 2100, 2101, 12345, 1000000]


def fill_in_node(cases: list[tuple[str, int, int]]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is required to test static/js/word_limit.js.", pytrace=False)
    run = subprocess.run([node, "-e", _NODE_PROGRAM, str(SCRIPT), "/dev/stdin"], check=False,
                         input=json.dumps(cases), capture_output=True, text=True,
                         encoding="utf-8", timeout=60)
    if run.returncode != 0:
        pytest.fail(f"node could not run {SCRIPT.name}:\n{run.stderr}", pytrace=False)
    output = json.loads(run.stdout)
    assert output["browser"] == "function"  # a plain <script> tag sets window.NPQWordLimit
    return output["results"]


def test_the_live_message_is_the_servers_message_word_for_word():
    """For hard caps and tolerances, one word over and thousands over, singular and plural:
    the browser's text equals the server's refusal; within the limit there is none."""
    cases = [(limit.message_template(), count, limit.allowed) for limit in LIMITS for count in COUNTS]
    expected = [limit.over_limit_message(count) if count > limit.allowed else ""
                for limit in LIMITS for count in COUNTS]
    assert fill_in_node(cases) == expected
    assert "Remove 1 word and submit again." in expected[COUNTS.index(1501)]
    assert expected[COUNTS.index(1502)] == ("Your response has 1,502 words. The limit is 1,500 "
                                            "words. Remove 2 words and submit again.")
