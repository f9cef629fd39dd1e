"""What each NPQ teaches: the areas of its DfE framework and the provider's course list.

Every area and every course must be assessed by at least one rubric criterion: a criterion's
``framework_area`` names the areas it judges, separated by ";", each optionally followed by a
note in brackets ("Implementation (explore)"). unassessed() lists what a rubric leaves out and
unknown_areas() any name that is not an area of the NPQ's framework, so a typo cannot hide a gap.

Areas are the section headings of the DfE frameworks in force (specialist and leadership NPQs
2020, NPQEYL and NPQLL 2021, NPQLPM 2023, NPQ for SENCOs 2023; the DfE review announced in
January 2025 has not yet replaced them). NPQLT's "Teaching" groups the framework's how pupils
learn, classroom practice and adaptive teaching; its "Curriculum and assessment" groups subject
and curriculum, and assessment. NPQLPM is NPQLT with a section on teaching mathematics for
mastery. NPQSL, NPQH and NPQEL share the same ten areas at different scales of leadership.

Courses are the provider's programme: six for a specialist NPQ and nine for a leadership NPQ
(npqs.NPQ.courses), each a unit of online study and a seminar teaching one or more areas.

No Flask here.
"""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Course:
    title: str
    areas: tuple[str, ...]  # the framework areas the course teaches


@dataclass(frozen=True)
class Framework:
    npq: str
    areas: tuple[str, ...]
    courses: tuple[Course, ...]


def _courses(*rows: tuple[str, str]) -> tuple[Course, ...]:
    """Courses from (title, areas separated by ';') rows."""
    return tuple(Course(title, tuple(a.strip() for a in areas.split(";"))) for title, areas in rows)


CULTURE = "School culture"
TEACHING = "Teaching"
CURRICULUM = "Curriculum and assessment"
BEHAVIOUR = "Behaviour"
SEND = "Additional and special educational needs and disabilities"
PD = "Professional development"
ORGANISATION = "Organisational management"
IMPLEMENTATION = "Implementation"
PARTNERSHIP = "Working in partnership"
GOVERNANCE = "Governance and accountability"

_LEADERSHIP_AREAS = (CULTURE, TEACHING, CURRICULUM, BEHAVIOUR, SEND, PD, ORGANISATION,
                     IMPLEMENTATION, PARTNERSHIP, GOVERNANCE)


def _leadership_courses(scope: str) -> tuple[Course, ...]:
    """The nine courses of NPQSL, NPQH and NPQEL; scope says whose culture ("the school")."""
    return _courses(
        (f"Leading culture across {scope}", CULTURE),
        ("Leading teaching", TEACHING),
        ("Curriculum and assessment", CURRICULUM),
        ("Behaviour", BEHAVIOUR),
        ("Additional and special educational needs and disabilities", SEND),
        ("Professional development", PD),
        ("Organisational management", ORGANISATION),
        ("Partnership, governance and accountability", f"{PARTNERSHIP}; {GOVERNANCE}"),
        ("Leading implementation", IMPLEMENTATION),
    )


FRAMEWORKS: dict[str, Framework] = {f.npq: f for f in (
    Framework("NPQLT", (CULTURE, TEACHING, CURRICULUM, PD, IMPLEMENTATION), _courses(
        ("School culture: high expectations for every pupil", CULTURE),
        ("How pupils learn and classroom practice", TEACHING),
        ("Adaptive teaching and pupils with SEND", TEACHING),
        ("Subject, curriculum and assessment", CURRICULUM),
        ("Developing colleagues", PD),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQLBC", (CULTURE, TEACHING, "Enabling conditions for good behaviour",
                         "Supporting pupils with complex behavioural needs", PD, IMPLEMENTATION),
              _courses(
        ("School culture: high expectations and belonging", CULTURE),
        ("Teaching and learning: how pupils learn in a calm classroom", TEACHING),
        ("Enabling conditions for good behaviour", "Enabling conditions for good behaviour"),
        ("Supporting pupils with complex behavioural needs",
         "Supporting pupils with complex behavioural needs"),
        ("Professional development for behaviour and culture", PD),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQLL", (CULTURE, TEACHING, "Developing language", "Developing reading",
                        "Developing writing", PD, IMPLEMENTATION), _courses(
        ("Teaching literacy and a reading culture", f"{TEACHING}; {CULTURE}"),
        ("Developing language", "Developing language"),
        ("Developing reading", "Developing reading"),
        ("Developing writing", "Developing writing"),
        ("Professional development in literacy", PD),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQLTD", (TEACHING, "Designing effective professional development",
                         "Delivering effective professional development", IMPLEMENTATION),
              _courses(
        ("How pupils and teachers learn", TEACHING),
        ("Designing effective professional development",
         "Designing effective professional development"),
        ("Delivering professional development: building knowledge and motivation",
         "Delivering effective professional development"),
        ("Delivering professional development: techniques and embedding practice",
         "Delivering effective professional development"),
        ("Mentoring and coaching teachers early in their careers",
         "Delivering effective professional development"),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQLPM", (CULTURE, "Teaching mathematics", CURRICULUM, PD, IMPLEMENTATION),
              _courses(
        ("School culture: high expectations in mathematics", CULTURE),
        ("Teaching for mastery: coherence, representation and structure", "Teaching mathematics"),
        ("Teaching for mastery: fluency, variation and mathematical thinking",
         "Teaching mathematics"),
        ("Mathematics curriculum and assessment", CURRICULUM),
        ("Professional development in mathematics", PD),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQSL", _LEADERSHIP_AREAS, _leadership_courses("the school")),
    Framework("NPQH", _LEADERSHIP_AREAS, _leadership_courses("the school")),
    Framework("NPQEYL", ("Culture", "Child development, curriculum and assessment", SEND, PD,
                         ORGANISATION, IMPLEMENTATION, PARTNERSHIP), _courses(
        ("Culture in the setting", "Culture"),
        ("Child development", "Child development, curriculum and assessment"),
        ("Early years curriculum and assessment", "Child development, curriculum and assessment"),
        ("Additional and special educational needs and disabilities", SEND),
        ("Professional development", PD),
        ("Organisational management: staffing and resources", ORGANISATION),
        ("Organisational management: safeguarding and welfare", ORGANISATION),
        ("Working in partnership with families and services", PARTNERSHIP),
        ("Leading implementation", IMPLEMENTATION),
    )),
    Framework("NPQEL", _LEADERSHIP_AREAS, _leadership_courses("a group of schools")),
    Framework("NPQSENCO", (CULTURE, TEACHING, CURRICULUM, SEND, PD, ORGANISATION, PARTNERSHIP,
                           GOVERNANCE, IMPLEMENTATION), _courses(
        ("An inclusive school culture", CULTURE),
        ("Teaching pupils with SEND", TEACHING),
        ("Identification of needs and the graduated approach", CURRICULUM),
        ("Leading SEND provision", SEND),
        ("Professional development for inclusion", PD),
        ("Deploying staff and resources", ORGANISATION),
        ("Working with families and agencies", PARTNERSHIP),
        ("Statutory duties and the SEND Code of Practice", GOVERNANCE),
        ("Leading implementation", IMPLEMENTATION),
    )),
)}


def areas_named(framework_area: str) -> tuple[str, ...]:
    """The area names in a criterion's framework_area: split on ";", a bracketed note dropped."""
    names = []
    for part in framework_area.split(";"):
        name = part.split("(", 1)[0].strip()
        if name:
            names.append(name)
    return tuple(names)


def assessed_areas(criteria_areas: Iterable[str]) -> set[str]:
    """Every area named by any of these framework_area texts."""
    return {name for text in criteria_areas for name in areas_named(text)}


def unknown_areas(npq: str, criteria_areas: Iterable[str]) -> list[str]:
    """Names in the criteria that are not areas of the NPQ's framework, in order of appearance."""
    known = set(FRAMEWORKS[npq].areas)
    names = [name for text in criteria_areas for name in areas_named(text)]
    return [name for name in dict.fromkeys(names) if name not in known]


def unassessed(npq: str, criteria_areas: Iterable[str]) -> tuple[list[str], list[str]]:
    """The framework areas, and the titles of courses, that no criterion assesses.

    A course counts as assessed when every area it teaches is named by some criterion, so a
    course is never covered by a criterion that judges only part of what it teaches.
    """
    framework = FRAMEWORKS[npq]
    assessed = assessed_areas(criteria_areas)
    areas = [area for area in framework.areas if area not in assessed]
    courses = [course.title for course in framework.courses
               if not set(course.areas) <= assessed]
    return areas, courses
