"""Rubric files (assessment_app/rubrics.py): the shipped rubrics load, broken files are refused
with a message naming the file and the field, and a rubric's version is the hash of its bytes."""

import copy
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml

from assessment_app.npqs import NPQ_CODES, NPQ_NAMES
from assessment_app.rubrics import (
    STANDARD_PASS_RULE,
    RubricError,
    load_rubric,
    load_rubrics,
    parse_rubric,
)

RUBRICS_DIR = Path(__file__).resolve().parents[2] / "rubrics"
LEVEL_IDS = ["not_evident", "developing", "secure", "strong"]


def _criterion(criterion_id: str) -> dict:
    return {
        "id": criterion_id,
        "title": f"Criterion {criterion_id}",
        "framework_area": "Implementation",
        "looks_for": "What the marker looks for.",
        "descriptors": {level: f"{criterion_id} at {level}." for level in LEVEL_IDS},
    }


VALID = {
    "npq": "NPQLT",
    "title": "NPQ in Leading Teaching: test rubric",
    "levels": [{"id": level, "title": level.replace("_", " ").capitalize()} for level in LEVEL_IDS],
    "criteria": [_criterion("diagnosis"), _criterion("approach"), _criterion("implementation")],
    "pass_rule": {"all_at_least": "secure"},
    "borderline": {"within_one_level_of_pass": True},
}


def _write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# The shipped rubrics


def test_there_is_one_rubric_file_per_npq_named_by_its_code():
    """rubrics/ holds exactly <code lower>.yaml for each of the ten NPQs."""
    names = sorted(p.name for p in RUBRICS_DIR.glob("*.yaml"))
    assert names == sorted(f"{code.lower()}.yaml" for code in NPQ_CODES)


def test_load_rubrics_gives_every_npq_by_code():
    """load_rubrics keys the rubrics by NPQ code, and each names its own NPQ."""
    rubrics = load_rubrics(RUBRICS_DIR)
    assert set(rubrics) == set(NPQ_CODES)
    for code, rubric in rubrics.items():
        assert rubric.npq == code


@pytest.mark.parametrize("code", NPQ_CODES)
def test_each_shipped_rubric_loads_and_names_its_npq(code):
    """Each shipped file loads on its own, names its NPQ code, and its title names the NPQ."""
    rubric = load_rubric(RUBRICS_DIR / f"{code.lower()}.yaml")
    assert rubric.npq == code
    assert NPQ_NAMES[code] in rubric.title
    assert rubric.title.endswith("summative assessment rubric")


@pytest.mark.parametrize("code", NPQ_CODES)
def test_each_shipped_rubric_has_the_expected_shape(code):
    """4-6 criteria including diagnosis and implementation; the four standard levels; real text."""
    rubric = load_rubric(RUBRICS_DIR / f"{code.lower()}.yaml")
    assert [level.id for level in rubric.levels] == LEVEL_IDS
    assert 4 <= len(rubric.criteria) <= 6
    assert rubric.criteria[0].id == "diagnosis"
    assert rubric.criterion("implementation").framework_area == "Implementation"
    assert rubric.borderline_within_one_level is True
    for criterion in rubric.criteria:
        assert len(criterion.looks_for) >= 150, criterion.id
        texts = list(criterion.descriptors.values())
        assert list(criterion.descriptors) == LEVEL_IDS
        assert len(set(texts)) == len(texts), f"{criterion.id} repeats a descriptor"
        assert all(len(text) >= 70 for text in texts), criterion.id
        assert not any("..." in text or "TODO" in text for text in texts), criterion.id


def test_every_shipped_rubric_uses_the_one_standard_pass_rule():
    """One pass rule across NPQs: all ten files use the standard rule, so none states a reason
    to differ. (This replaces a test that required more than one kind of rule in use.)"""
    for rubric in load_rubrics(RUBRICS_DIR).values():
        assert rubric.pass_rule == STANDARD_PASS_RULE, rubric.npq
        assert rubric.pass_rule_rationale is None, rubric.npq
    assert STANDARD_PASS_RULE.kinds == ("all_at_least",)
    assert STANDARD_PASS_RULE.all_at_least == "secure"


def test_the_error_message_names_the_file_as_given_and_the_field_path(tmp_path, monkeypatch):
    """A descriptor removed from the shipped NPQH rubric gives exactly the documented message."""
    (tmp_path / "rubrics").mkdir()
    data = yaml.safe_load((RUBRICS_DIR / "npqh.yaml").read_text(encoding="utf-8"))
    del data["criteria"][2]["descriptors"]["secure"]
    _write(tmp_path / "rubrics" / "npqh.yaml", data)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RubricError) as caught:
        load_rubric("rubrics/npqh.yaml")
    expected = "rubrics/npqh.yaml: criteria[2].descriptors is missing level 'secure'"
    assert str(caught.value) == expected
    assert caught.value.field == "criteria[2].descriptors"


# ---------------------------------------------------------------------------
# Validation: each fault is refused, naming the file and the field


def _set(path, value):
    def mutate(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return mutate


def _delete(path):
    def mutate(data):
        *parents, last = path
        target = data
        for key in parents:
            target = target[key]
        del target[last]
    return mutate


def _with_other_rule(mutate):
    """Apply mutate after switching VALID to a non-standard rule (two of three criteria strong)."""
    def both(data):
        data["pass_rule"] = {"min_at_level": {"level": "strong", "count": 2}}
        mutate(data)
    return both


INVALID = [
    # (test id, change to VALID, field path named, words in the problem)
    ("missing top-level key", _delete(["pass_rule"]), "pass_rule", "is missing"),
    ("missing criterion key", _delete(["criteria", 1, "looks_for"]), "criteria[1].looks_for",
     "is missing"),
    ("missing level title", _delete(["levels", 2, "title"]), "levels[2].title", "is missing"),
    ("unknown top-level key", _set(["pass_rules"], {"all_at_least": "secure"}), "pass_rules",
     "is not a known key"),
    ("unknown criterion key", _set(["criteria", 0, "weight"], 2), "criteria[0].weight",
     "is not a known key"),
    ("unknown npq", _set(["npq"], "NPQX"), "npq", "is not an NPQ code"),
    ("empty title", _set(["title"], "  "), "title", "is empty"),
    ("title not text", _set(["title"], 12), "title", "must be text"),
    ("one level only", _set(["levels"], [{"id": "secure", "title": "Secure"}]), "levels",
     "at least two levels"),
    ("duplicate level id", _set(["levels", 1, "id"], "not_evident"), "levels[1].id",
     "used by an earlier level"),
    ("badly formed level id", _set(["levels", 0, "id"], "Not evident"), "levels[0].id",
     "lower-case id"),
    ("duplicate criterion id", _set(["criteria", 2, "id"], "diagnosis"), "criteria[2].id",
     "used by an earlier criterion"),
    ("empty criteria", _set(["criteria"], []), "criteria", "is empty"),
    ("criteria not a list", _set(["criteria"], {"id": "diagnosis"}), "criteria", "must be a list"),
    ("descriptor for unknown level", _set(["criteria", 0, "descriptors", "excellent"], "Wow."),
     "criteria[0].descriptors.excellent", "is not a level of this rubric"),
    ("missing descriptor", _delete(["criteria", 1, "descriptors", "secure"]),
     "criteria[1].descriptors", "is missing level 'secure'"),
    ("missing descriptors", _delete(["criteria", 1, "descriptors"]), "criteria[1].descriptors",
     "is missing"),
    ("empty descriptor", _set(["criteria", 0, "descriptors", "strong"], ""),
     "criteria[0].descriptors.strong", "is empty"),
    ("unknown pass-rule kind", _set(["pass_rule"], {"majority": "secure"}), "pass_rule.majority",
     "is not a known rule kind"),
    ("empty pass rule", _set(["pass_rule"], {}), "pass_rule", "must be a mapping"),
    ("unknown level in all_at_least", _set(["pass_rule"], {"all_at_least": "good"}),
     "pass_rule.all_at_least", "names unknown level 'good'"),
    ("unknown level in min_at_level", _set(["pass_rule"], {"min_at_level": {"level": "good",
     "count": 1}}), "pass_rule.min_at_level.level", "names unknown level 'good'"),
    ("unknown level in none_below", _set(["pass_rule"], {"min_at_level": {"level": "strong",
     "count": 1}, "none_below": "fair"}), "pass_rule.none_below", "names unknown level 'fair'"),
    ("min_at_level without count", _set(["pass_rule"], {"min_at_level": {"level": "secure"}}),
     "pass_rule.min_at_level.count", "is missing"),
    ("count not a number", _set(["pass_rule"], {"min_at_level": {"level": "secure",
     "count": "two"}}), "pass_rule.min_at_level.count", "must be a whole number"),
    ("count zero", _set(["pass_rule"], {"min_at_level": {"level": "secure", "count": 0}}),
     "pass_rule.min_at_level.count", "must be at least 1"),
    ("rule never met: count above criteria", _set(["pass_rule"], {"min_at_level":
     {"level": "secure", "count": 4}}), "pass_rule.min_at_level.count", "can never be met"),
    ("rule always met: all_at_least lowest", _set(["pass_rule"], {"all_at_least": "not_evident"}),
     "pass_rule.all_at_least", "every script would pass"),
    ("rule always met: min_at_level lowest", _set(["pass_rule"], {"min_at_level":
     {"level": "not_evident", "count": 3}}), "pass_rule.min_at_level.level", "always holds"),
    ("none_below alone", _set(["pass_rule"], {"none_below": "developing"}), "pass_rule",
     "needs all_at_least or min_at_level"),
    ("none_below beside all_at_least", _set(["pass_rule"], {"all_at_least": "secure",
     "none_below": "developing"}), "pass_rule.none_below", "cannot be combined with all_at_least"),
    ("none_below at the lowest level", _set(["pass_rule"], {"min_at_level": {"level": "secure",
     "count": 2}, "none_below": "not_evident"}), "pass_rule.none_below", "has no effect"),
    ("none_below not below min_at_level", _set(["pass_rule"], {"min_at_level":
     {"level": "secure", "count": 2}, "none_below": "secure"}), "pass_rule.none_below",
     "use all_at_least instead"),
    ("min_at_level not above all_at_least", _set(["pass_rule"], {"all_at_least": "secure",
     "min_at_level": {"level": "secure", "count": 1}}), "pass_rule.min_at_level.level",
     "always holds"),
    ("other rule without a rationale", _set(["pass_rule"], {"min_at_level": {"level": "secure",
     "count": 2}, "none_below": "developing"}), "pass_rule",
     "differs from the standard rule used for every NPQ (all_at_least: secure)"),
    ("higher rule without a rationale", _set(["pass_rule"], {"all_at_least": "strong"}),
     "pass_rule", "say why this NPQ needs another in pass_rule_rationale"),
    ("rationale beside the standard rule", _set(["pass_rule_rationale"], "Because."),
     "pass_rule_rationale", "is given but pass_rule is the standard rule: remove it"),
    ("empty rationale", _with_other_rule(_set(["pass_rule_rationale"], "  ")),
     "pass_rule_rationale", "is empty"),
    ("rationale not text", _with_other_rule(_set(["pass_rule_rationale"], ["a", "list"])),
     "pass_rule_rationale", "must be text"),
    ("borderline not a boolean", _set(["borderline", "within_one_level_of_pass"], "yes please"),
     "borderline.within_one_level_of_pass", "must be true or false"),
    ("borderline missing", _delete(["borderline"]), "borderline", "is missing"),
    ("comments rule not a mapping", _set(["comments_required"], "every"), "comments_required",
     "must be a mapping with the keys criteria, overall_feedback"),
    ("unknown comments key", _set(["comments_required"], {"overall": True}),
     "comments_required.overall", "is not a known key"),
    ("unknown comments criteria", _set(["comments_required"], {"criteria": "some"}),
     "comments_required.criteria", "'some' must be one of every, below_pass, none"),
    ("overall feedback not a boolean", _set(["comments_required"], {"overall_feedback": "yes"}),
     "comments_required.overall_feedback", "must be true or false"),
]


@pytest.mark.parametrize("mutate, field, problem", [case[1:] for case in INVALID],
                         ids=[case[0] for case in INVALID])
def test_an_invalid_rubric_names_the_file_and_the_field(tmp_path, mutate, field, problem):
    """Every fault raises RubricError whose message is '<file>: <field path> <problem>'."""
    data = copy.deepcopy(VALID)
    mutate(data)
    path = _write(tmp_path / "npqlt.yaml", data)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {field} "), message
    assert problem in message
    assert caught.value.field == field


def test_the_valid_fixture_loads(tmp_path):
    """The base used by the validation cases is itself valid (so each case tests one fault)."""
    rubric = load_rubric(_write(tmp_path / "npqlt.yaml", VALID))
    assert [c.id for c in rubric.criteria] == ["diagnosis", "approach", "implementation"]


@pytest.mark.parametrize("text, problem", [
    ("npq: [NPQLT\ntitle: x\n", "is not valid YAML"),
    ("npq: NPQLT\n  title: : x\n", "is not valid YAML"),
    ("- just\n- a list\n", "must be a mapping"),
    ("", "is empty"),
    ("# only a comment\n", "is empty"),
], ids=["unclosed bracket", "bad indentation", "not a mapping", "empty file", "only a comment"])
def test_unreadable_yaml_names_the_file(tmp_path, text, problem):
    """A file that is not a YAML mapping is refused, naming the file."""
    path = tmp_path / "npqlt.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert problem in str(caught.value)


def test_a_key_given_twice_is_refused_with_its_line(tmp_path):
    """YAML would silently keep the second of two equal keys; the loader refuses it instead."""
    text = yaml.safe_dump(VALID, sort_keys=False).replace(
        "    secure: approach at secure.\n",
        "    secure: approach at secure.\n    secure: approach again.\n")
    assert "approach again" in text
    path = tmp_path / "npqlt.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    line = text.splitlines().index("    secure: approach again.") + 1
    assert f"the key 'secure' appears twice at line {line}" in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_missing_file_is_refused_naming_it(tmp_path):
    """A path that cannot be read raises RubricError, not OSError."""
    path = tmp_path / "npqlt.yaml"
    with pytest.raises(RubricError, match="cannot be read") as caught:
        load_rubric(path)
    assert str(caught.value).startswith(f"{path}: ")


# ---------------------------------------------------------------------------
# load_rubrics on a folder


def test_load_rubrics_refuses_a_file_not_named_by_its_code(tmp_path):
    """rubrics/npqh.yaml must hold NPQH: a misnamed file is an error, not a silent re-key."""
    _write(tmp_path / "npqh.yaml", VALID)  # holds NPQLT
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'npqh.yaml'}: npq ")
    assert "name it npqlt.yaml" in str(caught.value)


def test_load_rubrics_refuses_a_yml_file(tmp_path):
    """A rubric saved as .yml would otherwise be skipped silently; it is an error."""
    _write(tmp_path / "npqlt.yml", VALID)
    with pytest.raises(RubricError, match=r"must be named npqlt\.yaml"):
        load_rubrics(tmp_path)


def test_load_rubrics_raises_for_a_broken_file_rather_than_skipping_it(tmp_path):
    """One broken file fails the whole load, naming that file."""
    _write(tmp_path / "npqlt.yaml", VALID)
    broken = copy.deepcopy(VALID)
    broken["npq"] = "NPQH"
    broken["criteria"] = []
    _write(tmp_path / "npqh.yaml", broken)
    with pytest.raises(RubricError) as caught:
        load_rubrics(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'npqh.yaml'}: criteria ")


def test_load_rubrics_ignores_other_and_hidden_files(tmp_path):
    """Notes and editor files beside the rubrics are not rubrics."""
    _write(tmp_path / "npqlt.yaml", VALID)
    (tmp_path / "README.md").write_text("Rubrics.", encoding="utf-8")
    (tmp_path / ".npqh.yaml").write_text("not: [valid", encoding="utf-8")
    assert list(load_rubrics(tmp_path)) == ["NPQLT"]


def test_load_rubrics_refuses_a_missing_folder(tmp_path):
    """A missing rubrics folder is an error, not an empty set of rubrics."""
    with pytest.raises(RubricError, match="is not a folder"):
        load_rubrics(tmp_path / "nowhere")


# ---------------------------------------------------------------------------
# Version


def test_version_is_the_sha256_of_the_file_bytes(tmp_path):
    """A rubric's version is the SHA-256 hex digest of exactly the bytes read."""
    path = _write(tmp_path / "npqlt.yaml", VALID)
    assert load_rubric(path).version == hashlib.sha256(path.read_bytes()).hexdigest()


def test_version_is_stable_while_the_file_is_unchanged(tmp_path):
    """Loading the same bytes again, or from another path, gives the same version."""
    path = shutil.copy(RUBRICS_DIR / "npqltd.yaml", tmp_path / "npqltd.yaml")
    first = load_rubric(path).version
    assert load_rubric(path).version == first
    assert load_rubric(RUBRICS_DIR / "npqltd.yaml").version == first
    assert parse_rubric(Path(path).read_bytes()).version == first


def test_any_edit_to_the_file_changes_the_version(tmp_path):
    """Changing a descriptor, or even a comment, gives a new version; the old one is unchanged."""
    path = _write(tmp_path / "npqlt.yaml", VALID)
    before = load_rubric(path)
    edited = copy.deepcopy(VALID)
    edited["criteria"][0]["descriptors"]["secure"] = "A clearer secure descriptor."
    _write(path, edited)
    after_edit = load_rubric(path)
    path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    after_comment = load_rubric(path)
    assert len({before.version, after_edit.version, after_comment.version}) == 3
    assert before.criterion("diagnosis").descriptors["secure"] == "diagnosis at secure."


def test_the_rubrics_module_imports_no_flask():
    """rubrics.py is a plain domain module: it imports nothing from Flask or its extensions."""
    import ast

    import assessment_app.rubrics as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and not [name for name in imported if "flask" in name.lower()]


# ---------------------------------------------------------------------------
# One pass rule across NPQs


def test_another_rule_is_accepted_with_its_stated_reason(tmp_path):
    """A rubric may differ from the standard rule only by saying why; the reason is kept."""
    data = copy.deepcopy(VALID)
    data["pass_rule"] = {"min_at_level": {"level": "secure", "count": 2},
                         "none_below": "developing"}
    data["pass_rule_rationale"] = "Three short criteria; one may be developing if addressed."
    rubric = load_rubric(_write(tmp_path / "npqlt.yaml", data))
    assert rubric.pass_rule != STANDARD_PASS_RULE
    assert rubric.pass_rule_rationale == "Three short criteria; one may be developing if addressed."


def test_the_old_npqsl_rule_is_refused_naming_the_file_and_field(tmp_path, monkeypatch):
    """NPQSL's former rule (five of six Secure, none below Developing) with no reason gives
    exactly this message, naming the file and the pass_rule field."""
    (tmp_path / "rubrics").mkdir()
    data = yaml.safe_load((RUBRICS_DIR / "npqsl.yaml").read_text(encoding="utf-8"))
    data["pass_rule"] = {"min_at_level": {"level": "secure", "count": 5},
                         "none_below": "developing"}
    _write(tmp_path / "rubrics" / "npqsl.yaml", data)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RubricError) as caught:
        load_rubrics("rubrics")
    assert str(caught.value) == (
        "rubrics/npqsl.yaml: pass_rule differs from the standard rule used for every NPQ "
        "(all_at_least: secure): use the standard rule, or say why this NPQ needs another in "
        "pass_rule_rationale")
    assert caught.value.field == "pass_rule"


def test_a_recorded_version_with_an_older_rule_still_reads_as_it_was_made(tmp_path):
    """Text kept with past marks is read with recorded=True: an old rule with no rationale is
    accepted, its outcome is unchanged and its version is still the SHA-256 of its bytes."""
    data = copy.deepcopy(VALID)
    data["pass_rule"] = {"min_at_level": {"level": "secure", "count": 2},
                         "none_below": "developing"}
    raw = yaml.safe_dump(data, sort_keys=False).encode("utf-8")
    with pytest.raises(RubricError):
        parse_rubric(raw, source="now.yaml")
    rubric = parse_rubric(raw, source="rubric 0123456789ab", recorded=True)
    assert rubric.version == hashlib.sha256(raw).hexdigest()
    assert rubric.pass_rule_rationale is None
    judgements = {"diagnosis": "secure", "approach": "secure", "implementation": "developing"}
    assert rubric.outcome(judgements) == "pass"
    assert rubric.is_borderline(judgements)


def test_a_recorded_version_is_still_checked_for_structure():
    """recorded=True skips only the pass-rule policy: a broken structure is still refused."""
    data = copy.deepcopy(VALID)
    del data["criteria"][0]["descriptors"]["secure"]
    with pytest.raises(RubricError, match="criteria\\[0\\].descriptors is missing level 'secure'"):
        parse_rubric(yaml.safe_dump(data), recorded=True)
