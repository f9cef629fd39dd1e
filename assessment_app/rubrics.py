"""Marking rubrics: one YAML file per NPQ under rubrics/, read into frozen dataclasses.

A rubric file looks like this (every key is required except ``pass_rule_rationale`` and
``comments_required``; no other key is allowed)::

    npq: NPQLTD                        # one of npqs.NPQ_CODES; the file is rubrics/npqltd.yaml
    title: "NPQ in Leading Teacher Development: summative assessment rubric"
    levels:                            # at least two, ordered lowest to highest
      - {id: not_evident, title: "Not yet evident"}
      - {id: developing, title: "Developing"}
      - {id: secure, title: "Secure"}
      - {id: strong, title: "Strong"}
    criteria:                          # at least one
      - id: diagnosis
        title: "Diagnosing the problem"
        framework_area: "Implementation"
        looks_for: "What a marker looks for."
        descriptors: {not_evident: "...", developing: "...", secure: "...", strong: "..."}
    pass_rule:
      all_at_least: secure
    pass_rule_rationale: "..."         # only when pass_rule is not the standard rule: why not
    borderline: {within_one_level_of_pass: true}
    comments_required:                 # optional; these are the defaults
      criteria: every                  # every, below_pass (a level below the pass level) or none
      overall_feedback: true

Ids (levels and criteria) are lower-case snake_case and unique; each criterion has exactly one
descriptor per level.

Pass rules. A rule is a mapping of one or more clauses, all of which must hold for a pass:

- ``all_at_least: L`` -- every criterion is at level L or above;
- ``min_at_level: {level: L, count: N}`` -- at least N criteria are at level L or above;
- ``none_below: L`` -- no criterion is below level L (only beside ``min_at_level``, to put a
  floor under the criteria that do not count towards N).

A rule needs ``all_at_least`` or ``min_at_level``. Rules that could never be met (N greater than
the number of criteria) and clauses that could never change an outcome (a clause at the lowest
level, ``none_below`` beside ``all_at_least``, a ``none_below`` at or above the
``min_at_level`` level, a ``min_at_level`` at or below the ``all_at_least`` level) are refused,
because a rubric that says more than it does misleads markers. Every rule is monotone: raising a
judgement never turns a pass into a fail.

One pass rule for every NPQ. The standard rule is STANDARD_PASS_RULE, ``all_at_least: secure``
(every criterion at least Secure). A rubric with any other rule is refused unless its
``pass_rule_rationale`` says why this NPQ differs; a rationale beside the standard rule is refused
too. The check is policy for the rubrics in use now: a version recorded with past marks is read
with ``recorded=True``, which skips it, so a mark made under an older rule reads as it was made.

Comments. Criterion judgements and comments are the participant's feedback when results are
released, so by default a mark needs a comment on every criterion and the overall feedback;
``comments_required`` may ask for fewer (a comment only where a level below the pass level is
given, or none). A mark missing one is not accepted (Rubric.comment_required).

Every problem with a file raises RubricError, whose message names the file and the field path
(``criteria[2].descriptors``; list positions count from 0), so a broken rubric is never used or
skipped silently. ``Rubric.version`` is the SHA-256 of the file's bytes: a mark records it, and a
later edit to the file gives a new version without changing the one already recorded.

No Flask here: the marking services, the admin pages and the tests all use these functions.
"""

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml
from yaml.constructor import ConstructorError

from .file_text import printable, unusable_character
from .npqs import NPQ_CODES

PASS = "pass"
FAIL = "fail"
Outcome = Literal["pass", "fail"]

RULE_KINDS = ("all_at_least", "min_at_level", "none_below")
_TOP_KEYS = ("npq", "title", "levels", "criteria", "pass_rule", "borderline")
_OPTIONAL_TOP_KEYS = ("pass_rule_rationale", "comments_required")
_LEVEL_KEYS = ("id", "title")
_CRITERION_KEYS = ("id", "title", "framework_area", "looks_for", "descriptors")
_MIN_AT_LEVEL_KEYS = ("level", "count")
_BORDERLINE_KEYS = ("within_one_level_of_pass",)
_COMMENT_KEYS = ("criteria", "overall_feedback")
COMMENT_CRITERIA = ("every", "below_pass", "none")
_ID = re.compile(r"[a-z][a-z0-9_]*")


class RubricError(Exception):
    """A rubric file that cannot be used; the message names the file and the field path."""

    def __init__(self, source, field: str | None, problem: str):
        self.source = printable(str(source))
        self.field = printable(field) if field else field
        self.problem = printable(problem)
        where = f"{self.field} " if field else ""
        super().__init__(f"{self.source}: {where}{problem}")


@dataclass(frozen=True)
class Level:
    id: str
    title: str


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    framework_area: str
    looks_for: str
    # Level id -> descriptor, in level order (lowest first); read-only.
    descriptors: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class MinAtLevel:
    level: str
    count: int


@dataclass(frozen=True)
class PassRule:
    """The clauses of a pass rule; those that are None are absent. All present clauses must hold."""

    all_at_least: str | None = None
    min_at_level: MinAtLevel | None = None
    none_below: str | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        """The clause names present, in RULE_KINDS order."""
        return tuple(kind for kind in RULE_KINDS if getattr(self, kind) is not None)


@dataclass(frozen=True)
class CommentRule:
    """Which comments a mark must have: on which criteria (COMMENT_CRITERIA), and whether the
    overall feedback."""

    criteria: str = "every"
    overall_feedback: bool = True


# One rule across NPQs: one standard is easier to explain to participants and to defend at a
# review of marking or to the external moderator than a rule per NPQ.
STANDARD_PASS_RULE = PassRule(all_at_least="secure")


@dataclass(frozen=True)
class Rubric:
    npq: str
    title: str
    levels: tuple[Level, ...]  # lowest first
    criteria: tuple[Criterion, ...]
    pass_rule: PassRule
    borderline_within_one_level: bool
    version: str  # SHA-256 hex of the file's bytes
    source: str  # the path (or name) it was read from, for messages
    pass_rule_rationale: str | None = None  # why the rule differs from STANDARD_PASS_RULE
    comments_required: CommentRule = CommentRule()

    # -- look-ups -------------------------------------------------------------------------------

    def level_index(self, level_id: str) -> int:
        """Position of a level, 0 for the lowest; ValueError if unknown (as list.index)."""
        for index, level in enumerate(self.levels):
            if level.id == level_id:
                return index
        raise ValueError(f"{self.npq} rubric has no level {level_id!r}")

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id. Raises KeyError for an unknown id."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def level(self, level_id: str) -> Level:
        """The level with this id. Raises ValueError for an unknown level."""
        return self.levels[self.level_index(level_id)]

    # -- the rule ---------------------------------------------------------------------------------

    def outcome(self, judgements: Mapping[str, str]) -> Outcome:
        """Return "pass" or "fail" for one judgement per criterion (criterion id -> level id).

        Raises ValueError if a criterion has no judgement, a key is not a criterion of this
        rubric, or a judgement is not one of its levels.
        """
        return PASS if self._meets(self._indices(judgements)) else FAIL

    def is_borderline(self, judgements: Mapping[str, str]) -> bool:
        """Whether these judgements sit at the pass/fail line, so one marker's judgement decides it.

        With ``borderline: {within_one_level_of_pass: true}``, a script is borderline when moving
        one criterion's judgement by one level would change the outcome:

        - a fail is borderline if raising some single criterion by exactly one level makes it a
          pass ("one criterion is one level below what the rule needs"). A fail that needs two
          steps (two criteria each one level short, or one criterion two levels short) is not.
        - a pass is borderline if it is met with no margin: lowering some single criterion by
          one level makes it a fail, and no criterion is above the pass level (the level of
          ``all_at_least``, else of ``min_at_level``). So under ``all_at_least: secure`` a pass
          with every criterion exactly secure is borderline, but one with a criterion judged
          strong is a clear pass. (Counting every pass with one criterion at secure would send
          nearly every pass to second marking and make the sampled share meaningless.)

        With ``within_one_level_of_pass: false`` no script is borderline. Raises ValueError as
        outcome() does.
        """
        indices = self._indices(judgements)
        if not self.borderline_within_one_level:
            return False
        passed = self._meets(indices)
        if passed and max(indices) > self._pass_level():
            return False
        step = -1 if passed else 1
        for position, index in enumerate(indices):
            moved = index + step
            if 0 <= moved < len(self.levels):
                changed = indices[:position] + (moved,) + indices[position + 1 :]
                if self._meets(changed) != passed:
                    return True
        return False

    def comment_required(self, criterion_id: str, level_id: str | None) -> bool:
        """Whether a mark must have a comment on this criterion, given the level chosen (None:
        none yet, so a below-pass rule cannot ask yet)."""
        rule = self.comments_required.criteria
        if rule == "below_pass":
            return level_id is not None and self.level_index(level_id) < self._pass_level()
        return rule == "every"

    def describe_pass_rule(self) -> str:
        """The pass rule in one sentence for markers and participants, using the level titles."""
        rule = self.pass_rule
        parts = []
        if rule.all_at_least is not None:
            parts.append(f"every criterion is at least {self.level(rule.all_at_least).title}")
        if rule.min_at_level is not None:
            count, total = rule.min_at_level.count, len(self.criteria)
            parts.append(f"at least {count} of the {total} criteria are "
                         f"{self.level(rule.min_at_level.level).title} or above")
        if rule.none_below is not None:
            parts.append(f"no criterion is below {self.level(rule.none_below).title}")
        return "Pass if " + " and ".join(parts) + "."

    @property
    def pass_level(self) -> Level:
        """The level the rule passes at (all_at_least's, else min_at_level's)."""
        return self.levels[self._pass_level()]

    def _pass_level(self) -> int:
        rule = self.pass_rule
        level = rule.all_at_least or (rule.min_at_level.level if rule.min_at_level else rule.none_below)
        return self.level_index(level)

    def _indices(self, judgements: Mapping[str, str]) -> tuple[int, ...]:
        if not isinstance(judgements, Mapping):
            raise ValueError("judgements must map criterion ids to level ids")
        ids = [criterion.id for criterion in self.criteria]
        missing = [criterion_id for criterion_id in ids if criterion_id not in judgements]
        if missing:
            raise ValueError(f"no judgement for {', '.join(missing)} ({self.npq} rubric)")
        unknown = [key for key in judgements if key not in ids]
        if unknown:
            raise ValueError(f"{', '.join(map(repr, unknown))} is not a criterion of the "
                             f"{self.npq} rubric")
        return tuple(self.level_index(judgements[criterion_id]) for criterion_id in ids)

    def _meets(self, indices: Sequence[int]) -> bool:
        rule = self.pass_rule
        if rule.all_at_least is not None and min(indices) < self.level_index(rule.all_at_least):
            return False
        if rule.none_below is not None and min(indices) < self.level_index(rule.none_below):
            return False
        if rule.min_at_level is not None:
            threshold = self.level_index(rule.min_at_level.level)
            if sum(index >= threshold for index in indices) < rule.min_at_level.count:
                return False
        return True


# ---------------------------------------------------------------------------
# Loading


def load_rubric(path) -> Rubric:
    """Read and check one rubric file; raises RubricError on any problem."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise RubricError(path, None, f"cannot be read ({error.strerror or error})") from None
    return parse_rubric(raw, source=str(path))


def load_rubrics(directory) -> dict[str, Rubric]:
    """Every rubric in the directory by NPQ code: each *.yaml file (hidden files aside).

    A broken file raises RubricError rather than being left out, and so does a file whose name
    is not its NPQ code in lower case (rubrics/npqh.yaml holds NPQH) or that ends in .yml.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RubricError(directory, None, "is not a folder of rubric files")
    rubrics: dict[str, Rubric] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix == ".yml":
            raise RubricError(path, None, f"must be named {path.stem}.yaml (not .yml)")
        if path.suffix != ".yaml":
            continue
        rubric = load_rubric(path)
        if path.stem != rubric.npq.lower():
            raise RubricError(path, "npq", f"is {rubric.npq} but the file is named {path.name}: "
                                           f"name it {rubric.npq.lower()}.yaml")
        rubrics[rubric.npq] = rubric
    return rubrics


def parse_rubric(text: bytes | str, source: str = "<rubric>", *, recorded: bool = False) -> Rubric:
    """Check and build a rubric from YAML text; version is the SHA-256 of the bytes (UTF-8).

    recorded=True reads a version kept with past marks: every structural check still applies,
    but not the standard-pass-rule policy, which may postdate it.
    """
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    try:
        data = yaml.load(raw, Loader=_StrictLoader)
    except yaml.YAMLError as error:
        raise RubricError(source, None, f"is not valid YAML: {_yaml_problem(error)}") from None
    except RecursionError:
        raise RubricError(source, None, "is nested too deeply to read") from None
    return _Checker(source, recorded).rubric(data, hashlib.sha256(raw).hexdigest())


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        try:
            if key in seen:
                raise ConstructorError(None, None, f"the key {key!r} appears twice",
                                       key_node.start_mark)
            seen.add(key)
        except TypeError:  # unhashable key: let SafeLoader report it
            pass
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _yaml_problem(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None) or str(error).replace("\n", " ")
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return problem


class _Checker:
    """Walks the parsed YAML; raises RubricError(source, field path, problem) at the first fault."""

    def __init__(self, source: str, recorded: bool = False):
        self.source = source
        self.recorded = recorded

    def fail(self, where: str | None, problem: str):
        raise RubricError(self.source, where, problem)

    def mapping(self, value, where: str | None, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> dict:
        if value is None and where is None:
            self.fail(None, "is empty")
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping with the keys {', '.join(required)}")
        for key in value:
            if key not in required + optional:
                path = _join(where, str(key))
                self.fail(path, f"is not a known key (use {', '.join(required + optional)})")
        for key in required:
            if key not in value:
                self.fail(_join(where, key), "is missing")
        return value

    def text(self, value, where: str) -> str:
        if not isinstance(value, str):
            self.fail(where, "must be text (put the value in quotes)")
        if not value.strip():
            self.fail(where, "is empty")
        bad = unusable_character(value)
        if bad:
            self.fail(where, f"has a character that cannot be stored ({bad}): remove it")
        return value.strip()

    def ident(self, value, where: str) -> str:
        if not isinstance(value, str) or not _ID.fullmatch(value):
            self.fail(where, f"{value!r} must be a lower-case id such as 'secure' or "
                             "'implementation' (letters, digits and _)")
        return value

    def level_ref(self, value, where: str, levels: tuple[Level, ...]) -> str:
        ids = [level.id for level in levels]
        if value not in ids:
            self.fail(where, f"names unknown level {value!r} (levels: {', '.join(ids)})")
        return value

    # -- the parts -------------------------------------------------------------------------------

    def rubric(self, data, version: str) -> Rubric:
        data = self.mapping(data, None, _TOP_KEYS, _OPTIONAL_TOP_KEYS)
        npq = data["npq"]
        if npq not in NPQ_CODES:
            self.fail("npq", f"{npq!r} is not an NPQ code (use one of {', '.join(NPQ_CODES)})")
        title = self.text(data["title"], "title")
        levels = self.levels(data["levels"])
        criteria = self.criteria(data["criteria"], levels)
        pass_rule = self.pass_rule(data["pass_rule"], levels, len(criteria))
        rationale = self.rationale(data.get("pass_rule_rationale"), pass_rule)
        comments = self.comments(data.get("comments_required"))
        borderline = self.mapping(data["borderline"], "borderline", _BORDERLINE_KEYS)
        within_one = borderline["within_one_level_of_pass"]
        if not isinstance(within_one, bool):
            self.fail("borderline.within_one_level_of_pass", "must be true or false")
        return Rubric(npq=npq, title=title, levels=levels, criteria=criteria, pass_rule=pass_rule,
                      borderline_within_one_level=within_one, version=version, source=self.source,
                      pass_rule_rationale=rationale, comments_required=comments)

    def levels(self, value) -> tuple[Level, ...]:
        if not isinstance(value, list):
            self.fail("levels", "must be a list of levels, lowest first")
        if len(value) < 2:
            self.fail("levels", "needs at least two levels")
        levels, seen = [], set()
        for position, item in enumerate(value):
            where = f"levels[{position}]"
            item = self.mapping(item, where, _LEVEL_KEYS)
            level_id = self.ident(item["id"], f"{where}.id")
            if level_id in seen:
                self.fail(f"{where}.id", f"{level_id!r} is used by an earlier level")
            seen.add(level_id)
            levels.append(Level(level_id, self.text(item["title"], f"{where}.title")))
        return tuple(levels)

    def criteria(self, value, levels: tuple[Level, ...]) -> tuple[Criterion, ...]:
        if value is None or value == []:
            self.fail("criteria", "is empty: a rubric needs at least one criterion")
        if not isinstance(value, list):
            self.fail("criteria", "must be a list of criteria")
        criteria, seen = [], set()
        for position, item in enumerate(value):
            where = f"criteria[{position}]"
            item = self.mapping(item, where, _CRITERION_KEYS)
            criterion_id = self.ident(item["id"], f"{where}.id")
            if criterion_id in seen:
                self.fail(f"{where}.id", f"{criterion_id!r} is used by an earlier criterion")
            seen.add(criterion_id)
            criteria.append(Criterion(
                id=criterion_id,
                title=self.text(item["title"], f"{where}.title"),
                framework_area=self.text(item["framework_area"], f"{where}.framework_area"),
                looks_for=self.text(item["looks_for"], f"{where}.looks_for"),
                descriptors=self.descriptors(item["descriptors"], f"{where}.descriptors", levels),
            ))
        return tuple(criteria)

    def descriptors(self, value, where: str, levels: tuple[Level, ...]) -> Mapping[str, str]:
        ids = [level.id for level in levels]
        if not isinstance(value, dict):
            self.fail(where, f"must map each level ({', '.join(ids)}) to its descriptor")
        for key in value:
            if key not in ids:
                self.fail(f"{where}.{key}",
                          f"is not a level of this rubric (levels: {', '.join(ids)})")
        for level_id in ids:
            if level_id not in value:
                self.fail(where, f"is missing level {level_id!r}")
        return MappingProxyType({i: self.text(value[i], f"{where}.{i}") for i in ids})

    def pass_rule(self, value, levels: tuple[Level, ...], n_criteria: int) -> PassRule:
        if not isinstance(value, dict) or not value:
            self.fail("pass_rule", f"must be a mapping of one or more of {', '.join(RULE_KINDS)}")
        for key in value:
            if key not in RULE_KINDS:
                self.fail(f"pass_rule.{key}",
                          f"is not a known rule kind (use {', '.join(RULE_KINDS)})")
        if "all_at_least" not in value and "min_at_level" not in value:
            self.fail("pass_rule", "needs all_at_least or min_at_level (none_below only adds a "
                                   "floor beside min_at_level)")
        lowest = levels[0].id
        position = {level.id: index for index, level in enumerate(levels)}

        all_at_least = None
        if "all_at_least" in value:
            all_at_least = self.level_ref(value["all_at_least"], "pass_rule.all_at_least", levels)
            if all_at_least == lowest:
                self.fail("pass_rule.all_at_least",
                          f"is the lowest level {lowest!r}, so every script would pass")

        min_at_level = None
        if "min_at_level" in value:
            where = "pass_rule.min_at_level"
            item = self.mapping(value["min_at_level"], where, _MIN_AT_LEVEL_KEYS)
            level = self.level_ref(item["level"], f"{where}.level", levels)
            count = item["count"]
            if isinstance(count, bool) or not isinstance(count, int):
                self.fail(f"{where}.count", f"{count!r} must be a whole number")
            if count < 1:
                self.fail(f"{where}.count", f"is {count}: it must be at least 1")
            if count > n_criteria:
                self.fail(f"{where}.count", f"is {count} but the rubric has only {n_criteria} "
                                            "criteria, so the rule can never be met")
            if level == lowest:
                self.fail(f"{where}.level", f"is the lowest level {lowest!r}, so the clause "
                                            "always holds")
            if all_at_least is not None and position[level] <= position[all_at_least]:
                self.fail(f"{where}.level", f"{level!r} is not above all_at_least "
                                            f"{all_at_least!r}, so the clause always holds")
            min_at_level = MinAtLevel(level, count)

        none_below = None
        if "none_below" in value:
            where = "pass_rule.none_below"
            none_below = self.level_ref(value["none_below"], where, levels)
            if all_at_least is not None:
                self.fail(where, "cannot be combined with all_at_least, which already sets the "
                                 "floor for every criterion")
            if none_below == lowest:
                self.fail(where, f"is the lowest level {lowest!r}, so it has no effect")
            if position[none_below] >= position[min_at_level.level]:
                self.fail(where, f"{none_below!r} is not below min_at_level's level "
                                 f"{min_at_level.level!r}: use all_at_least instead")
        return PassRule(all_at_least=all_at_least, min_at_level=min_at_level,
                        none_below=none_below)

    def comments(self, value) -> CommentRule:
        """Which comments a mark needs; each key left out keeps its default."""
        if value is None:
            return CommentRule()
        where = "comments_required"
        if not isinstance(value, dict):
            self.fail(where, f"must be a mapping with the keys {', '.join(_COMMENT_KEYS)}")
        value = self.mapping(value, where, (), _COMMENT_KEYS)
        rule = CommentRule(**value)
        if rule.criteria not in COMMENT_CRITERIA:
            self.fail(f"{where}.criteria", f"{rule.criteria!r} must be one of "
                                           f"{', '.join(COMMENT_CRITERIA)}")
        if not isinstance(rule.overall_feedback, bool):
            self.fail(f"{where}.overall_feedback", "must be true or false")
        return rule

    def rationale(self, value, pass_rule: PassRule) -> str | None:
        """The stated reason for a non-standard rule; required exactly when the rule differs."""
        where = "pass_rule_rationale"
        rationale = None if value is None else self.text(value, where)
        if self.recorded:
            return rationale
        if pass_rule != STANDARD_PASS_RULE and rationale is None:
            standard = f"all_at_least: {STANDARD_PASS_RULE.all_at_least}"
            self.fail("pass_rule", f"differs from the standard rule used for every NPQ "
                                   f"({standard}): use the standard rule, or say why this NPQ "
                                   "needs another in pass_rule_rationale")
        if pass_rule == STANDARD_PASS_RULE and rationale is not None:
            self.fail(where, "is given but pass_rule is the standard rule: remove it")
        return rationale


def _join(where: str | None, key: str) -> str:
    return f"{where}.{key}" if where else key
