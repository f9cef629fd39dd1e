"""Malformed rubric and case-study files: each refused with a message naming the file and the
field, never an unexpected exception, and never text that cannot be stored or shown."""

import pytest

from assessment_app.case_studies import CaseStudyError, parse_case_study
from assessment_app.rubrics import RubricError, parse_rubric
from assessment_app.settings import PROJECT_ROOT

RUBRIC = (PROJECT_ROOT / "rubrics" / "npqltd.yaml").read_text()


def case_study(front: str, body: str = "## Context\n\nText.") -> bytes:
    return f"---\n{front}\n---\n{body}".encode()


@pytest.mark.parametrize(("data", "named"), [
    (case_study("npq: NPQLTD\ntitle: " + "[" * 3000), "field 'front matter': is nested too deeply"),
    (case_study("npq: NPQLTD\ntitle: t", "## Context\n\nA\x00B"),
     "field 'body': has a control character that cannot be stored (line 3: U+0000"),
    (case_study('npq: NPQLTD\ntitle: "Brookside\\0"'),
     "field 'title': has a character that cannot be stored (line 1: U+0000)"),
    (case_study('npq: NPQLTD\ntitle: t\nsummary: "\\ud800"'),
     "field 'summary': has a character that cannot be stored (line 1: U+D800)"),
    (case_study('npq: NPQLTD\ntitle: t\n"\\ud800": x'), "field '\\ud800': is not a known field"),
])
def test_a_broken_case_study_is_refused_naming_the_file_and_field(data, named):
    with pytest.raises(CaseStudyError) as refused:
        parse_case_study(data, "brookside.md")
    message = str(refused.value)
    assert message.startswith("Case study brookside.md") and named in message
    message.encode("utf-8")  # shown on a page as it is


@pytest.mark.parametrize(("text", "named"), [
    ("criteria: " + "[" * 3000, "npqltd.yaml: is nested too deeply to read"),
    (RUBRIC.replace('\ntitle: "', '\ntitle: "\\0', 1),
     "npqltd.yaml: title has a character that cannot be stored (line 1: U+0000)"),
    (RUBRIC + '\n"\\udc80": 1\n', "npqltd.yaml: \\udc80 is not a known key"),
])
def test_a_broken_rubric_is_refused_naming_the_file_and_field(text, named):
    with pytest.raises(RubricError) as refused:
        parse_rubric(text, source="rubrics/npqltd.yaml")
    assert named in str(refused.value)
    str(refused.value).encode("utf-8")
