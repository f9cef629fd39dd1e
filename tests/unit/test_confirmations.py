"""The checks before what cannot be undone, as plain rules: a fingerprint names exactly what
was shown, blockers leave nothing to confirm, and the release's words follow its counts."""

import ast
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assessment_app.confirmations import Check, Warning
from assessment_app.outcome_checks import outcome_change
from assessment_app.release_check import ReleaseFacts, check

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LINKS = {"similarity": "/similarity", "requests": "/requests"}
CLEAN = ReleaseFacts(closed=True, closes_at=AT - timedelta(days=2), release_set=None,
                     results=Counter({"Passed": 2, "Failed": 1}), emailed=3, still_open=0,
                     refusal=None, unfinished=Counter(), unopened_pairs=0, top_overlap=None,
                     threshold=25, checked=True, scripts=3, undecided_cases=0, open_claims=0)


def test_the_fingerprint_names_the_facts_the_warnings_and_the_blockers():
    base = Check("do it", [("People", "3")])
    assert base.fingerprint == Check("do it", [("People", "3")]).fingerprint
    for other in (Check("do it", [("People", "4")]),
                  Check("do it", [("People", "3")], [Warning("A claim is open.")]),
                  Check("do it", [("People", "3")], blockers=["Not yet."]),
                  Check("do something else", [("People", "3")])):
        assert other.fingerprint != base.fingerprint
    assert base.confirmed_by(base.fingerprint) and not base.confirmed_by(None)


def test_a_check_with_a_blocker_is_never_confirmed():
    blocked = Check("do it", [], blockers=["Not yet."])
    assert not blocked.confirmed_by(blocked.fingerprint)


def test_the_release_lists_passes_and_fails_always_and_other_outcomes_when_there_are_any():
    facts = replace(CLEAN, results=Counter({"Passed": 2, "Failed for academic misconduct": 1}))
    rows = dict(check(facts, AT, AT, LINKS).facts)
    assert (rows["Participants who get a result"], rows["Passed"], rows["Failed"],
            rows["Failed for academic misconduct"]) == ("3", "2", "0", "1")


@pytest.mark.parametrize("change, blocker", [
    ({"release_set": AT - timedelta(hours=1)},
     "Results were released at 8:00am on Thursday 3 December 2026."),
    ({"closed": False}, "The window has not closed: it closes at 9:00am on Tuesday 1 December 2026."),
    ({"refusal": "1 script still needs marking.", "unfinished": Counter({"moderation": 1})},
     "Still to do: 1 script waiting for moderation."),
])
def test_what_stops_a_release(change, blocker):
    result = check(replace(CLEAN, **change), AT, AT, LINKS)
    assert result.blockers[0] == blocker and not result.confirmed_by(result.fingerprint)


def test_the_warnings_count_in_words():
    facts = replace(CLEAN, unopened_pairs=1, top_overlap=99.6, undecided_cases=2, open_claims=1)
    texts = [w.text for w in check(facts, AT, AT, LINKS).warnings]
    assert texts[0].startswith("1 pair of scripts at or above the 25% similarity threshold "
                               "(up to 100%) has no misconduct case")
    assert texts[1].startswith("2 misconduct cases are not decided: their participants get")
    assert texts[2].startswith("1 extenuating circumstances claim is not decided")


def test_an_outcome_change_already_reported_says_the_dfe_row_is_amended():
    assert outcome_change(None, "voided", None) == \
        "The attempt's outcome changes from in progress to voided (does not count)."
    assert "the row is amended" in outcome_change("failed", "voided", "failed")
    assert outcome_change("failed", "failed", "failed") == "The attempt's outcome stays: failed."


@pytest.mark.parametrize("module", ["confirmations", "release_check", "outcome_checks",
                                    "misconduct"])
def test_the_checks_import_no_flask(module):
    source = Path(__file__).resolve().parents[2] / "assessment_app" / f"{module}.py"
    tree = ast.parse(source.read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if "flask" in name.lower()]
