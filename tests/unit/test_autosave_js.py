"""The editor's autosave decisions (static/js/autosave.js), run in Node: it sends only changed
text, honours a 429/503's Retry-After, otherwise backs off exponentially with a cap, and tells
the participant honestly that the text is on this device and when it will be tried again.

Node is required, as for the word-count parity test: a silent skip would hide a broken editor.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "assessment_app" / "static" / "js" / "autosave.js"
NOW = datetime(2026, 12, 1, 23, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)

# Node evaluates each [function, args] call and prints the results; the file is also loaded
# as a browser would (no `module`) to check it sets window.NPQAutosave.
_NODE_PROGRAM = """
const fs = require("fs");
const vm = require("vm");
const [script, input] = process.argv.slice(1);
const api = require(script);
const calls = JSON.parse(fs.readFileSync(input, "utf8"));
const browser = {};
vm.runInNewContext(fs.readFileSync(script, "utf8"), browser);
process.stdout.write(JSON.stringify({
  results: calls.map(([name, args]) => api[name](...args)),
  browser: typeof browser.NPQAutosave.shouldSend,
}));
"""


def run_js(*calls) -> list:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is required to test static/js/autosave.js.", pytrace=False)
    run = subprocess.run([node, "-e", _NODE_PROGRAM, str(SCRIPT), "/dev/stdin"], check=False,
                         input=json.dumps([list(call) for call in calls]),
                         capture_output=True, text=True, encoding="utf-8", timeout=60)
    if run.returncode != 0:
        pytest.fail(f"node could not run {SCRIPT.name}:\n{run.stderr}", pytrace=False)
    output = json.loads(run.stdout)
    assert output["browser"] == "function"  # a plain <script> tag sets window.NPQAutosave
    return output["results"]


def test_only_text_changed_since_the_last_successful_save_is_sent():
    """Unchanged text is never sent; changed text is, unless a save is under way or the
    editor is waiting out a back-off."""
    assert run_js(
        ("shouldSend", ["same", "same", False, 0, NOW_MS]),
        ("shouldSend", ["changed", "same", False, 0, NOW_MS]),
        ("shouldSend", ["changed", "same", True, 0, NOW_MS]),
        ("shouldSend", ["changed", "same", False, NOW_MS + 1, NOW_MS]),
        ("shouldSend", ["changed", "same", False, NOW_MS, NOW_MS]),
    ) == [False, True, False, False, True]


def test_a_429_or_503_retry_after_is_honoured_in_seconds_or_as_a_date():
    """Retry-After: 7 waits 7 s; an HTTP date 90 s ahead waits 90 s; both statuses count."""
    date = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert run_js(
        ("retryDelaySeconds", [503, "7", 1, NOW_MS]),
        ("retryDelaySeconds", [429, "7", 5, NOW_MS]),
        ("retryDelaySeconds", [503, date, 1, NOW_MS]),
    ) == [7, 7, 90]


def test_a_retry_after_is_bounded_and_never_zero():
    """0 or a date in the past still waits a second; an absurd wait is cut to five minutes."""
    past = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert run_js(
        ("retryDelaySeconds", [503, "0", 1, NOW_MS]),
        ("retryDelaySeconds", [503, past, 1, NOW_MS]),
        ("retryDelaySeconds", [503, "86400", 1, NOW_MS]),
    ) == [1, 1, 300]


def test_without_retry_after_the_wait_doubles_up_to_a_cap():
    """Offline, a 500, or a 503 without a readable header: 2, 4, 8 ... seconds, at most 60."""
    delays = run_js(*[("retryDelaySeconds", [0, None, n, NOW_MS]) for n in range(1, 9)],
                    ("retryDelaySeconds", [500, None, 3, NOW_MS]),
                    ("retryDelaySeconds", [503, "soon", 2, NOW_MS]))
    assert delays == [2, 4, 8, 16, 32, 60, 60, 60, 8, 4]


def test_the_status_says_the_text_is_on_this_device_and_when_it_is_tried_again():
    offline, busy, signed_out, one, hung = run_js(
        ("failureStatus", [8, 0]), ("failureStatus", [5, 503]), ("failureStatus", [2, 200]),
        ("failureStatus", [1, 429]), ("failureStatus", [4, "timeout"]))
    assert offline == ("Not saved to the server: kept on this device; will retry in 8 seconds. "
                       "You may be offline.")
    assert busy == "Not saved to the server: kept on this device; will retry in 5 seconds."
    assert signed_out.startswith("Not saved to the server: kept on this device; will retry in 2 "
                                 "seconds. You may be signed out")
    assert one == "Not saved to the server: kept on this device; will retry in 1 second."
    assert hung == ("Not saved to the server: kept on this device; will retry in 4 seconds. "
                    "The server did not answer.")


def test_a_save_not_answered_in_five_seconds_is_given_up_as_failed():
    """The editor aborts a save after SAVE_TIMEOUT_SECONDS and reports it as TIMED_OUT, then
    backs off like any failure: 2, 4, 8 seconds."""
    program = ("const a = require(process.argv[1]);"
               "process.stdout.write(JSON.stringify([a.SAVE_TIMEOUT_SECONDS, a.TIMED_OUT]))")
    run = subprocess.run([shutil.which("node") or "node", "-e", program, str(SCRIPT)], check=True,
                         capture_output=True, text=True, timeout=60)
    timeout, timed_out = json.loads(run.stdout)
    delays = run_js(*[("retryDelaySeconds", [timed_out, None, n, NOW_MS]) for n in (1, 2, 3)])
    assert (timeout, timed_out, delays) == (5, "timeout", [2, 4, 8])


def test_saved_never_describes_text_newer_than_the_server_confirmed():
    """"Draft saved at" only for the text the server holds; typed on since, it says the
    latest changes are not saved; after a submission, that the draft is not submitted."""
    note = "Not submitted: version 1 is still your submission."
    assert run_js(
        ("savedStatus", ["5:52am", True, ""]),
        ("savedStatus", ["5:52am", False, ""]),
        ("savedStatus", ["5:52am", True, note]),
        ("savedStatus", [None, False, ""]),
        ("savedStatus", [None, True, ""]),
    ) == ["Draft saved at 5:52am.",
          "Draft saved at 5:52am. Your latest changes are not saved yet.",
          f"Draft saved at 5:52am. {note}",
          "Your changes are not saved yet.",
          ""]


# Signing out: Node lists the copies and sends them through a fake server that answers each
# url as told ("ok", "refuse" or "offline"), recording what was sent and how many at once.
_SIGN_OUT_PROGRAM = """
const fs = require("fs");
const [script, input] = process.argv.slice(1);
const { keptCopies, sendKeptCopies } = require(script);
const { entries, prefix, answers } = JSON.parse(fs.readFileSync(input, "utf8"));
const sent = [];
let open = 0, most = 0;
const send = (url, text) => new Promise((resolve, reject) => {
  sent.push([url, text]);
  most = Math.max(most, ++open);
  setTimeout(() => {
    open -= 1;
    if (answers[url] === "offline") reject(new TypeError("Failed to fetch"));
    else resolve(answers[url] === "ok");
  }, 5);
});
const copies = keptCopies(entries, prefix);
sendKeptCopies(copies, send).then((failed) => {
  process.stdout.write(JSON.stringify({ copies, failed, sent, most }));
});
"""


def sign_out(entries, answers, prefix="npq-response-7-") -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js (`node`) is required to test static/js/autosave.js.", pytrace=False)
    run = subprocess.run([node, "-e", _SIGN_OUT_PROGRAM, str(SCRIPT), "/dev/stdin"], check=False,
                         input=json.dumps({"entries": entries, "prefix": prefix, "answers": answers}),
                         capture_output=True, text=True, encoding="utf-8", timeout=60)
    if run.returncode != 0:
        pytest.fail(f"node could not run {SCRIPT.name}:\n{run.stderr}", pytrace=False)
    return json.loads(run.stdout)


def copy(text, url):
    return json.dumps({"text": text, "at": NOW_MS, "url": url})


def test_signing_out_sends_each_of_the_persons_copies_and_nobody_elses():
    """Only keys with the signed-in person's prefix are theirs: another person's copy on the
    same computer, and other sites' storage, are neither sent nor reported."""
    result = sign_out(
        [["npq-response-7-3", copy("My last sentence", "/assessments/3/draft")],
         ["npq-response-71-3", copy("Someone else's", "/assessments/3/draft")],
         ["npq-response-7-9", copy("", "/assessments/9/draft")],
         ["theme", "dark"]],
        {"/assessments/3/draft": "ok", "/assessments/9/draft": "ok"})
    assert result["sent"] == [["/assessments/3/draft", "My last sentence"],
                              ["/assessments/9/draft", ""]]
    assert [c["key"] for c in result["copies"]] == ["npq-response-7-3", "npq-response-7-9"]
    assert result["failed"] == []
    assert result["most"] == 1  # one request at a time


def test_a_copy_the_server_did_not_take_is_reported_so_the_sign_out_can_warn():
    """Offline, a refusal (a sign-in page, a 503) and an unreadable copy each stop the sign-out
    for that copy; the copies the server took are not reported."""
    result = sign_out(
        [["npq-response-7-1", copy("kept", "/a")], ["npq-response-7-2", copy("lost?", "/b")],
         ["npq-response-7-3", copy("refused", "/c")], ["npq-response-7-4", "{not json"]],
        {"/a": "ok", "/b": "offline", "/c": "refuse"})
    assert result["failed"] == ["npq-response-7-2", "npq-response-7-3", "npq-response-7-4"]
    assert [url for url, _ in result["sent"]] == ["/a", "/b", "/c"]
