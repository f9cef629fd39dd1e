"""One rule decides an attempt's outcome, the first rule that applies winning, as the domain
page's "One participant, one truth" table sets out (shared/docs/domain.md)."""

from dataclasses import fields, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_app.attempt_outcome import AttemptFacts, Rule, decide
from assessment_app.attempts import NOT_COUNTED, AttemptOutcome
from assessment_app.dfe_return import dfe_outcome

O = AttemptOutcome
MARKED_FAIL = dict(submitted=True, deadline_passed=True, results_out=True, marked_pass=False)
MARKED_PASS = dict(submitted=True, deadline_passed=True, results_out=True, marked_pass=True)
EVERYTHING = dict(misconduct_upheld=True, voided=True, lost_at_gate=True, **MARKED_PASS)


@pytest.mark.parametrize("facts, outcome, rule", [
    # 1. Deferred or withdrawn: no outcome that counts, whatever else is true.
    (dict(deferred=True, **EVERYTHING), O.DEFERRED, Rule.DEFERRED),
    (dict(earlier_passed=True), O.WITHDRAWN, Rule.WITHDRAWN),
    (dict(deferred=True, reported=True), O.VOIDED, Rule.NO_LONGER_COUNTS),
    (dict(earlier_passed=True, reported=True, deadline_passed=True), O.VOIDED,
     Rule.NO_LONGER_COUNTS),
    # 2. Upheld misconduct: failed, whatever the marks, a review, an EC void or the gate say.
    (dict(misconduct_upheld=True, **MARKED_PASS), O.FAILED, Rule.MISCONDUCT),
    (dict(misconduct_upheld=True, voided=True, **MARKED_PASS), O.FAILED, Rule.MISCONDUCT),
    (dict(misconduct_upheld=True, reported=True, **MARKED_PASS), O.FAILED, Rule.MISCONDUCT),
    (dict(misconduct_upheld=True, submitted=True, deadline_passed=True), None, Rule.IN_PROGRESS),
    # 3. Voided: not counted.
    (dict(voided=True, **MARKED_FAIL), O.VOIDED, Rule.VOIDED),
    (dict(voided=True, lost_at_gate=True), O.VOIDED, Rule.VOIDED),
    (dict(earlier_passed=True, **MARKED_FAIL), O.VOIDED, Rule.SUPERSEDED),
    # 4. Lost at the gate, or nothing submitted by the participant's own deadline.
    (dict(lost_at_gate=True), O.LOST_ENGAGEMENT, Rule.LOST_AT_GATE),
    (dict(deadline_passed=True), O.NOT_SUBMITTED, Rule.NOT_SUBMITTED),
    (dict(deadline_passed=True, ec_pending=True), None, Rule.IN_PROGRESS),
    (dict(deadline_passed=False), None, Rule.IN_PROGRESS),
    # 5. The marks, once results are out.
    (MARKED_PASS, O.PASSED, Rule.MARKS),
    (MARKED_FAIL, O.FAILED, Rule.MARKS),
    (dict(MARKED_PASS, results_out=False), None, Rule.IN_PROGRESS),
    (dict(MARKED_PASS, marked_pass=None), None, Rule.IN_PROGRESS),
    # An attempt reopened by a late extension runs again until its new outcome is decided.
    (dict(reported=True), None, Rule.IN_PROGRESS),
])
def test_the_precedence_table(facts, outcome, rule):
    decided = decide(AttemptFacts(**facts))
    assert (decided.outcome, decided.rule) == (outcome, rule)


facts = st.builds(AttemptFacts, **{f.name: (st.booleans() if f.name != "marked_pass"
                                           else st.sampled_from([None, True, False]))
                                   for f in fields(AttemptFacts)})


@given(facts)
def test_upheld_misconduct_is_never_undone_by_marks_reviews_or_ec(f):
    """With upheld misconduct and results out, only deferral or a withdrawal before sitting
    stands before the fail: no mark, review, ruling or EC void turns it into anything else."""
    f = replace(f, misconduct_upheld=True, results_out=True)
    if f.deferred or (f.earlier_passed and not f.submitted):
        return
    for marked in (None, True, False):
        for voided in (True, False):
            assert decide(replace(f, marked_pass=marked, voided=voided)).outcome is O.FAILED


@given(facts)
def test_a_reported_attempt_never_leaves_the_dfe_return(f):
    """An attempt already reported either runs again (a late extension) or keeps a DfE state."""
    decided = decide(replace(f, reported=True))
    assert decided.outcome is None or dfe_outcome(decided.outcome) is not None


@given(facts)
def test_deferred_and_withdrawn_attempts_never_count(f):
    f = replace(f, deferred=True)
    assert decide(f).outcome in NOT_COUNTED
