"""Framework areas and courses (assessment_app/frameworks.py): every area of each NPQ's framework
and every course of the provider's programme is assessed by at least one criterion of the NPQ's
rubric, and the course list itself teaches the whole framework."""

from pathlib import Path

import pytest

from assessment_app.frameworks import FRAMEWORKS, areas_named, unassessed, unknown_areas
from assessment_app.npqs import NPQ_CODES, NPQS
from assessment_app.rubrics import load_rubrics

RUBRICS_DIR = Path(__file__).resolve().parents[2] / "rubrics"
SHIPPED = load_rubrics(RUBRICS_DIR)


def _criteria_areas(code: str) -> list[str]:
    return [criterion.framework_area for criterion in SHIPPED[code].criteria]


def test_there_is_one_framework_per_npq():
    """FRAMEWORKS holds each of the ten NPQs, in npqs order, and each names its own code."""
    assert tuple(FRAMEWORKS) == NPQ_CODES
    assert all(framework.npq == code for code, framework in FRAMEWORKS.items())


@pytest.mark.parametrize("npq", NPQS, ids=NPQ_CODES)
def test_each_course_list_has_the_npqs_number_of_courses(npq):
    """Six courses for a specialist NPQ, nine for a leadership NPQ (npqs.NPQ.courses)."""
    courses = FRAMEWORKS[npq.code].courses
    assert len(courses) == npq.courses
    assert len({course.title for course in courses}) == len(courses), "course titles repeat"


@pytest.mark.parametrize("code", NPQ_CODES)
def test_the_course_list_teaches_exactly_the_framework(code):
    """Every course teaches framework areas only, and every framework area is taught by a course."""
    framework = FRAMEWORKS[code]
    taught = [area for course in framework.courses for area in course.areas]
    assert set(taught) <= set(framework.areas), set(taught) - set(framework.areas)
    assert set(framework.areas) <= set(taught), set(framework.areas) - set(taught)
    assert len(set(framework.areas)) == len(framework.areas), "an area is listed twice"


@pytest.mark.parametrize("code", NPQ_CODES)
def test_every_criterion_names_areas_of_its_own_framework(code):
    """A criterion's framework_area names only its NPQ's framework areas (no typo hides a gap)."""
    assert unknown_areas(code, _criteria_areas(code)) == []


@pytest.mark.parametrize("code", NPQ_CODES)
def test_every_framework_area_and_course_is_assessed_by_a_criterion(code):
    """No area of the framework and no course of the programme goes unassessed by the rubric
    (NPQLT and NPQLPM need school culture, NPQLBC teaching and learning, NPQSL and NPQH
    behaviour, NPQSL partnership and governance)."""
    areas, courses = unassessed(code, _criteria_areas(code))
    assert areas == [], f"{code} rubric does not assess {areas}"
    assert courses == [], f"{code} rubric does not assess the courses {courses}"


@pytest.mark.parametrize("code, area", [
    ("NPQLT", "School culture"),
    ("NPQLPM", "School culture"),
    ("NPQLBC", "Teaching"),
])
def test_the_issues_named_gaps_have_a_criterion_of_their_own(code, area):
    """The gaps the issue names are filled by a criterion whose only area is the missing one."""
    assert (area,) in [areas_named(text) for text in _criteria_areas(code)]


def test_areas_named_splits_on_semicolons_and_drops_bracketed_notes():
    """'Implementation (explore); Teaching' names Implementation and Teaching."""
    assert areas_named("Implementation (explore); Teaching") == ("Implementation", "Teaching")
    assert areas_named("Child development, curriculum and assessment") == (
        "Child development, curriculum and assessment",)
    assert areas_named("School culture (across the trust);") == ("School culture",)


def test_unassessed_reports_a_missing_area_and_the_courses_that_teach_it():
    """Without a culture criterion, NPQLT's School culture area and its course are reported."""
    without_culture = [text for text in _criteria_areas("NPQLT") if text != "School culture"]
    areas, courses = unassessed("NPQLT", without_culture)
    assert areas == ["School culture"]
    assert courses == ["School culture: high expectations for every pupil"]


def test_a_course_teaching_two_areas_needs_both_assessed():
    """A course counts as assessed only when every area it teaches is assessed."""
    without_governance = ["; ".join(name for name in areas_named(text)
                                    if name != "Governance and accountability")
                          for text in _criteria_areas("NPQH")]
    areas, courses = unassessed("NPQH", without_governance)
    assert areas == ["Governance and accountability"]
    assert courses == ["Partnership, governance and accountability"]


def test_unknown_areas_names_a_misspelt_area_once():
    """A name not in the framework is reported, once, in order of appearance."""
    assert unknown_areas("NPQLBC", ["Behavior; Teaching", "Behavior"]) == ["Behavior"]


def test_the_frameworks_module_imports_no_flask():
    """frameworks.py is plain domain data: it imports nothing from Flask or its extensions."""
    import ast

    import assessment_app.frameworks as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and not [name for name in imported if "flask" in name.lower()]
