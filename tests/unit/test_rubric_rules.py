"""Pass rules and borderline scripts (assessment_app/rubrics.py): each shipped rubric's rule at
the pass/fail line, the rule kinds, the borderline definition, and monotonicity as a property."""

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from assessment_app.npqs import NPQ_CODES
from assessment_app.rubrics import (
    FAIL,
    PASS,
    STANDARD_PASS_RULE,
    Rubric,
    load_rubrics,
    parse_rubric,
)

RUBRICS_DIR = Path(__file__).resolve().parents[2] / "rubrics"
SHIPPED = load_rubrics(RUBRICS_DIR)

N, D, S, T = "not_evident", "developing", "secure", "strong"  # T for sTrong


def judged(rubric: Rubric, levels: list[str]) -> dict[str, str]:
    """Judgements for the rubric's criteria, in file order."""
    assert len(levels) == len(rubric.criteria), "one level per criterion"
    return {criterion.id: level for criterion, level in zip(rubric.criteria, levels, strict=True)}


ALL_SECURE = STANDARD_PASS_RULE
# The rule NPQSL and NPQEYL used before one rule was agreed for every NPQ.
FIVE_SECURE_NONE_BELOW_DEVELOPING = {"min_at_level": {"level": S, "count": 5}, "none_below": D}

# code: (the rule the file must state, a just-passing script, just-failing scripts)
SHIPPED_RULES = {
    "NPQLT": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, T, T, T, D], [D, T, T, T, T, T]]),
    "NPQLBC": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, D, T, T, T], [T, T, T, D, T, T]]),
    "NPQLL": (ALL_SECURE, [S, S, S, S, S, S], [[T, D, T, T, T, T], [T, T, T, D, T, T]]),
    "NPQLTD": (ALL_SECURE, [S, S, S, S, S], [[T, T, T, D, T]]),
    "NPQLPM": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, T, T, T, D], [T, T, T, D, T, T]]),
    "NPQSL": (ALL_SECURE, [S, S, S, S, S, S], [[S, S, S, S, S, D], [T, D, T, T, T, T]]),
    "NPQH": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, T, T, D, T]]),
    "NPQEYL": (ALL_SECURE, [S, S, S, S, S, S], [[D, S, S, S, S, S], [S, S, S, D, T, T]]),
    "NPQEL": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, D, T, T, T]]),
    "NPQSENCO": (ALL_SECURE, [S, S, S, S, S, S], [[T, T, T, T, T, D]]),
}


def test_every_shipped_rubric_has_its_rule_tested():
    """The table below covers all ten NPQs."""
    assert set(SHIPPED_RULES) == set(NPQ_CODES) == set(SHIPPED)


@pytest.mark.parametrize("code", NPQ_CODES)
def test_shipped_rubric_states_the_agreed_pass_rule(code):
    """Each file's pass rule is the one agreed for its NPQ (changing it must change this test):
    since one rule was agreed across NPQs, the standard rule for all ten, NPQSL and NPQEYL
    included, with no rationale for a difference."""
    assert SHIPPED[code].pass_rule == SHIPPED_RULES[code][0]
    assert SHIPPED[code].pass_rule_rationale is None


@pytest.mark.parametrize("code", NPQ_CODES)
def test_shipped_rubric_passes_a_just_passing_script(code):
    """The weakest script the rule allows passes, and is borderline (no margin)."""
    rubric = SHIPPED[code]
    judgements = judged(rubric, SHIPPED_RULES[code][1])
    assert rubric.outcome(judgements) == PASS
    assert rubric.is_borderline(judgements)


@pytest.mark.parametrize("code", NPQ_CODES)
def test_shipped_rubric_fails_a_just_failing_script(code):
    """One criterion a level short of the rule fails, however strong the rest; it is borderline."""
    rubric = SHIPPED[code]
    for levels in SHIPPED_RULES[code][2]:
        judgements = judged(rubric, levels)
        assert rubric.outcome(judgements) == FAIL, levels
        assert rubric.is_borderline(judgements), levels


@pytest.mark.parametrize("code", [c for c in NPQ_CODES if SHIPPED_RULES[c][0] == ALL_SECURE])
def test_all_at_least_fails_a_developing_criterion_wherever_it_is(code):
    """Under all_at_least: secure, any single criterion at developing fails the script."""
    rubric = SHIPPED[code]
    for position in range(len(rubric.criteria)):
        levels = [T] * len(rubric.criteria)
        levels[position] = D
        assert rubric.outcome(judged(rubric, levels)) == FAIL, rubric.criteria[position].id


def test_five_secure_rule_lets_any_one_criterion_be_developing():
    """min_at_level {secure, 5} + none_below developing: any one criterion may be developing."""
    rubric = small_rubric(FIVE_SECURE_NONE_BELOW_DEVELOPING, n_criteria=6)
    for position in range(6):
        levels = [S] * 6
        levels[position] = D
        assert rubric.outcome({f"c{i}": level for i, level in enumerate(levels)}) == PASS, position


def test_describe_pass_rule_states_the_rule_with_level_titles():
    """The sentence shown to markers and participants matches the rule."""
    for rubric in SHIPPED.values():
        assert rubric.describe_pass_rule() == "Pass if every criterion is at least Secure."
    assert small_rubric(FIVE_SECURE_NONE_BELOW_DEVELOPING, n_criteria=6).describe_pass_rule() == (
        "Pass if at least 5 of the 6 criteria are Secure or above and no criterion is below "
        "Developing.")


# ---------------------------------------------------------------------------
# Rule kinds on small rubrics


def small_rubric(pass_rule: dict, n_criteria: int = 4, within_one_level: bool = True) -> Rubric:
    """A valid rubric with the standard four levels, criteria c0..c<n-1> and the given rule
    (with a stated rationale when the rule is not the standard one)."""
    levels = [N, D, S, T]
    data = {
        "npq": "NPQH",
        "title": "Test rubric",
        "levels": [{"id": level, "title": level.title()} for level in levels],
        "criteria": [{
            "id": f"c{i}", "title": f"Criterion {i}", "framework_area": "Area",
            "looks_for": "Looks for.", "descriptors": {level: f"c{i} {level}" for level in levels},
        } for i in range(n_criteria)],
        "pass_rule": pass_rule,
        "borderline": {"within_one_level_of_pass": within_one_level},
    }
    if pass_rule != {"all_at_least": S}:
        data["pass_rule_rationale"] = "A test of this rule kind."
    return parse_rubric(yaml.safe_dump(data), source="test.yaml")


def test_min_at_level_counts_criteria_at_or_above_the_level():
    """min_at_level {strong, 2}: two criteria at strong pass, one does not; the rest may be any."""
    rubric = small_rubric({"min_at_level": {"level": T, "count": 2}})
    assert rubric.outcome({"c0": T, "c1": T, "c2": N, "c3": N}) == PASS
    assert rubric.outcome({"c0": T, "c1": S, "c2": S, "c3": S}) == FAIL


def test_none_below_sets_a_floor_beside_min_at_level():
    """none_below fails a script that meets min_at_level but has a criterion under the floor."""
    rubric = small_rubric({"min_at_level": {"level": T, "count": 2}, "none_below": D})
    assert rubric.outcome({"c0": T, "c1": T, "c2": D, "c3": D}) == PASS
    assert rubric.outcome({"c0": T, "c1": T, "c2": T, "c3": N}) == FAIL


def test_all_at_least_and_min_at_level_must_both_hold():
    """all_at_least: secure + min_at_level {strong, 1}: all secure is not enough; one strong is."""
    rubric = small_rubric({"all_at_least": S, "min_at_level": {"level": T, "count": 1}})
    assert rubric.outcome({"c0": S, "c1": S, "c2": S, "c3": S}) == FAIL
    assert rubric.outcome({"c0": S, "c1": S, "c2": T, "c3": S}) == PASS
    assert rubric.outcome({"c0": D, "c1": T, "c2": T, "c3": T}) == FAIL


def test_judgements_are_checked():
    """outcome() and is_borderline() raise ValueError for a missing, unknown or bad judgement."""
    rubric = small_rubric({"all_at_least": S}, n_criteria=2)
    bad = [
        {"c0": S},  # c1 missing
        {"c0": S, "c1": S, "c9": S},  # no criterion c9
        {"c0": S, "c1": "excellent"},  # no such level
        {"c0": S, "c1": None},
    ]
    for judgements in bad:
        with pytest.raises(ValueError):
            rubric.outcome(judgements)
        with pytest.raises(ValueError):
            rubric.is_borderline(judgements)
    with pytest.raises(ValueError, match="no judgement for c1"):
        rubric.outcome({"c0": S})


def test_level_index_and_criterion_look_ups():
    """level_index counts from 0 at the lowest level; unknown ids raise ValueError / KeyError."""
    rubric = SHIPPED["NPQLTD"]
    assert [rubric.level_index(level) for level in (N, D, S, T)] == [0, 1, 2, 3]
    assert rubric.criterion("designing_pd").framework_area == (
        "Designing effective professional development")
    with pytest.raises(ValueError):
        rubric.level_index("excellent")
    with pytest.raises(KeyError):
        rubric.criterion("nope")


# ---------------------------------------------------------------------------
# Borderline


@pytest.mark.parametrize("levels, outcome, borderline", [
    ([S, S, S, D], FAIL, True),   # one criterion one level short
    ([T, T, T, D], FAIL, True),
    ([S, S, D, D], FAIL, False),  # two criteria short: two steps from a pass
    ([S, S, S, N], FAIL, False),  # one criterion two levels short
    ([S, S, S, S], PASS, True),   # met with no margin
    ([T, T, T, S], PASS, False),  # a clear pass: criteria judged above the pass level
    ([T, T, T, T], PASS, False),  # every criterion one level clear
])
def test_borderline_under_all_at_least(levels, outcome, borderline):
    """all_at_least: secure -- a fail one step from passing, or a pass with every criterion
    exactly at the pass level, is borderline."""
    rubric = small_rubric({"all_at_least": S})
    judgements = {f"c{i}": level for i, level in enumerate(levels)}
    assert rubric.outcome(judgements) == outcome
    assert rubric.is_borderline(judgements) is borderline


@pytest.mark.parametrize("levels, outcome, borderline", [
    ([S, S, S, S, S, S], PASS, False),  # one spare secure: margin
    ([T, T, T, T, T, T], PASS, False),
    ([S, S, S, S, S, D], PASS, True),   # exactly five secure, and one at the floor
    ([T, T, T, T, T, D], PASS, False),  # criteria above the pass level: a clear pass
    ([T, T, T, T, S, S], PASS, False),  # lowering any one leaves five at secure+, none below floor
    ([S, S, S, S, D, D], FAIL, True),   # raise either developing to secure
    ([S, S, S, S, S, N], FAIL, True),   # raise the not-evident to developing
    ([S, S, S, S, D, N], FAIL, False),  # needs two steps
    ([S, S, S, D, D, D], FAIL, False),
])
def test_borderline_under_min_at_level_with_a_floor(levels, outcome, borderline):
    """Five of six secure, none below developing: a pass with a spare secure and none at the floor
    is not borderline."""
    rubric = small_rubric(FIVE_SECURE_NONE_BELOW_DEVELOPING, n_criteria=6)
    judgements = {f"c{i}": level for i, level in enumerate(levels)}
    assert rubric.outcome(judgements) == outcome
    assert rubric.is_borderline(judgements) is borderline


def test_no_script_is_borderline_when_the_rubric_turns_it_off():
    """With within_one_level_of_pass: false, is_borderline is always False."""
    rubric = small_rubric({"all_at_least": S}, within_one_level=False)
    for levels in ([S, S, S, S], [S, S, S, D], [T, T, T, T]):
        assert rubric.is_borderline({f"c{i}": level for i, level in enumerate(levels)}) is False


# ---------------------------------------------------------------------------
# Properties


@st.composite
def rubrics_with_rules(draw) -> Rubric:
    """A valid rubric of 2-5 levels and 1-7 criteria with any valid combination of rule clauses."""
    n_levels = draw(st.integers(2, 5))
    n_criteria = draw(st.integers(1, 7))
    levels = [f"l{i}" for i in range(n_levels)]
    kind = draw(st.sampled_from(["all", "min", "min+floor", "all+min"]))
    if n_levels == 2 and kind in ("min+floor", "all+min"):
        kind = "min"
    rule: dict = {}
    if kind == "all":
        rule["all_at_least"] = levels[draw(st.integers(1, n_levels - 1))]
    elif kind == "all+min":
        floor = draw(st.integers(1, n_levels - 2))
        rule["all_at_least"] = levels[floor]
        rule["min_at_level"] = {"level": levels[draw(st.integers(floor + 1, n_levels - 1))],
                                "count": draw(st.integers(1, n_criteria))}
    else:
        top = draw(st.integers(2 if kind == "min+floor" else 1, n_levels - 1))
        rule["min_at_level"] = {"level": levels[top], "count": draw(st.integers(1, n_criteria))}
        if kind == "min+floor":
            rule["none_below"] = levels[draw(st.integers(1, top - 1))]
    data = {
        "npq": "NPQEL",
        "title": "Generated",
        "levels": [{"id": level, "title": level} for level in levels],
        "criteria": [{"id": f"c{i}", "title": "t", "framework_area": "a", "looks_for": "l",
                      "descriptors": {level: level for level in levels}}
                     for i in range(n_criteria)],
        "pass_rule": rule,
        "pass_rule_rationale": "Generated levels l0..ln have no Secure, so no standard rule.",
        "borderline": {"within_one_level_of_pass": True},
    }
    return parse_rubric(yaml.safe_dump(data), source="generated.yaml")


any_rubric = st.one_of(st.sampled_from(sorted(SHIPPED.values(), key=lambda r: r.npq)),
                       rubrics_with_rules())


def _draw_script(data, rubric: Rubric) -> tuple[dict[str, str], int]:
    levels = [level.id for level in rubric.levels]
    judgements = {c.id: data.draw(st.sampled_from(levels)) for c in rubric.criteria}
    position = data.draw(st.integers(0, len(rubric.criteria) - 1))
    return judgements, position


def _raised(rubric: Rubric, judgements: dict[str, str], criterion_id: str) -> dict[str, str]:
    index = rubric.level_index(judgements[criterion_id])
    return {**judgements, criterion_id: rubric.levels[index + 1].id}


@given(any_rubric, st.data())
def test_raising_one_criterion_never_turns_a_pass_into_a_fail(rubric, data):
    """Monotonicity: for every rule kind, raising one judgement by a level keeps a pass a pass."""
    judgements, position = _draw_script(data, rubric)
    criterion_id = rubric.criteria[position].id
    if rubric.level_index(judgements[criterion_id]) == len(rubric.levels) - 1:
        return  # already at the top level
    if rubric.outcome(judgements) == PASS:
        assert rubric.outcome(_raised(rubric, judgements, criterion_id)) == PASS


@given(any_rubric, st.data())
def test_a_one_step_crossing_of_the_line_is_borderline_on_both_sides(rubric, data):
    """If one level on one criterion turns a fail into a pass, the fail is borderline, and so is
    the pass unless some criterion is judged above the pass level."""
    judgements, position = _draw_script(data, rubric)
    criterion_id = rubric.criteria[position].id
    if rubric.level_index(judgements[criterion_id]) == len(rubric.levels) - 1:
        return
    raised = _raised(rubric, judgements, criterion_id)
    if rubric.outcome(judgements) == FAIL and rubric.outcome(raised) == PASS:
        assert rubric.is_borderline(judgements)
        rule = rubric.pass_rule
        pass_level = rule.all_at_least or (rule.min_at_level.level if rule.min_at_level else rule.none_below)
        no_margin = max(rubric.level_index(v) for v in raised.values()) <= rubric.level_index(pass_level)
        assert rubric.is_borderline(raised) is no_margin


@given(rubrics_with_rules())
def test_every_valid_rule_can_be_met_and_can_be_failed(rubric):
    """The loader only accepts rules under which all-top passes and all-bottom fails."""
    top, bottom = rubric.levels[-1].id, rubric.levels[0].id
    assert rubric.outcome({c.id: top for c in rubric.criteria}) == PASS
    assert rubric.outcome({c.id: bottom for c in rubric.criteria}) == FAIL
