"""The browser's counter (static/js/wordcount.js) gives the server's count on every case."""

import json
import random
import shutil
import subprocess
from pathlib import Path

from assessment_app.wordcount import WHITESPACE, count_words

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "assessment_app" / "static" / "js" / "wordcount.js"
CASES = json.loads((ROOT / "tests" / "wordcount_cases.json").read_text())

_ALPHABET = list("abcXYZ019,.;:'\"-_()[]#*•–—é漢\U0001F600\x1c\x1f") + list(WHITESPACE)
_LINES = ["References", "## Bibliography:", "references ", "Reference", "\n"]


def _random_texts(n: int) -> list[str]:
    rng = random.Random(20261123)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 40)):
            if rng.random() < 0.05:
                parts.append("\n" + rng.choice(_LINES) + rng.choice(["\n", "\r\n", ""]))
            else:
                parts.append(rng.choice(_ALPHABET))
        texts.append("".join(parts))
    return texts


def test_javascript_and_python_count_the_same(tmp_path):
    """The table's cases and 500 generated texts, counted by Node running the page's script."""
    node = shutil.which("node")
    assert node, "Node.js is needed to test the browser's word counter (install nodejs)"
    texts = [c["text"] for c in CASES] + _random_texts(500)
    data = tmp_path / "texts.json"
    data.write_text(json.dumps(texts))
    program = (
        f"const {{countWords}} = require({json.dumps(str(SCRIPT))});"
        f"const texts = JSON.parse(require('fs').readFileSync({json.dumps(str(data))}, 'utf8'));"
        "process.stdout.write(JSON.stringify(texts.map(countWords)));"
    )
    result = subprocess.run([node, "-e", program], capture_output=True, text=True, check=True)
    js_counts = json.loads(result.stdout)
    mismatches = [(t, c, count_words(t)) for t, c in zip(texts, js_counts) if c != count_words(t)]
    assert mismatches == []
    assert js_counts[: len(CASES)] == [c["words"] for c in CASES]
