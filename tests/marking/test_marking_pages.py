"""The marker's workbench as a page: the script beside the rubric, a submitted mark readable,
and a refused hand-back shown on its field."""

from pathlib import Path

from marking.conftest import rubric_form, submit_through_check
from marking.test_marking_flow import allocate, signed_in
from page_html import by_id, classed, described_by, error_links, has_class, one, parse, text_of

from assessment_app.models import Allocation, AllocationStatus, AuditEvent
from assessment_app.rubrics import load_rubric
from assessment_app.settings import PROJECT_ROOT

SCSS = Path(__file__).resolve().parents[2] / "scss" / "app.scss"


def nina_and_her_script(app, closed, clock):
    allocate(app, closed)
    with app.app_context():
        number = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first().candidate_number
    return signed_in(app, "m2@example.org", clock), number


def test_the_script_and_the_rubric_are_two_columns_of_one_workbench(app, closed, clock):
    """The response (and the case study, as a second tab) sit in a reading column beside the
    rubric form, not above it: the marker need not scroll between the two for each criterion."""
    nina, number = nina_and_her_script(app, closed, clock)
    page = parse(nina.get(f"/marking/scripts/{number}"))
    workbench = one(page, f"//*[{classed('app-workbench')}]")
    reading, marking = workbench.getchildren()
    assert has_class(reading, "app-workbench__reading") and has_class(marking, "app-workbench__marking")
    assert reading.get("tabindex") == "0" and reading.get("role") == "region"
    assert "professional development" in text_of(one(reading, './/*[@id="response"]'))
    assert "SECRET-CASE-STUDY-TEXT" in text_of(one(reading, './/*[@id="case-study"]'))
    assert len(marking.xpath('.//form//fieldset')) == len(
        load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml").criteria)
    assert not page.xpath('//a[@target="_blank"]')


def test_the_reading_column_stays_in_view_beside_the_rubric_on_wide_screens():
    """The stylesheet holds the reading column sticky, scrolling by itself, from the desktop
    breakpoint; below it the columns stack."""
    scss = SCSS.read_text(encoding="utf-8")
    rule = scss[scss.index(".app-workbench__reading {"):]
    rule = rule[:rule.index("\n}\n")]
    desktop = rule[rule.index("govuk-media-query($from: desktop)"):]
    assert "position: sticky" in desktop and "overflow-y: auto" in rule


def test_a_submitted_mark_reads_as_text_not_greyed_out_controls(app, closed, clock):
    """After submitting, each criterion shows the level given and its descriptor as ordinary
    text: no disabled (half-transparent) radios or boxes remain."""
    nina, number = nina_and_her_script(app, closed, clock)
    submit_through_check(nina, f"/marking/scripts/{number}", rubric_form(level="strong"))
    page = parse(nina.get(f"/marking/scripts/{number}"))
    assert not page.xpath("//*[@disabled]")
    assert not page.xpath(f"//*[{classed('app-workbench__marking')}]//input")
    rubric = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
    given = [text_of(p) for p in page.xpath(f"//*[{classed('app-given-level')}]")]
    assert len(given) == len(rubric.criteria)
    for criterion, text in zip(rubric.criteria, given):
        assert "Level given: Strong" in text
        assert " ".join(criterion.descriptors["strong"].split()) in text
    assert "A clear diagnosis and a workable plan." in text_of(page)


def test_returning_a_script_without_a_reason_is_an_error_on_the_reason_field(app, closed, clock):
    """No banner: an error summary linked to the reason, the field's own message, the section
    left open, and the script still the marker's."""
    nina, number = nina_and_her_script(app, closed, clock)
    response = nina.post(f"/marking/scripts/{number}/return", data={"reason": "  "})
    assert response.status_code == 200
    page = parse(response)
    assert error_links(page) == ["#reason"]
    assert not page.xpath(f"//*[{classed('govuk-notification-banner')}]")
    reason = by_id(page, "reason")
    assert "reason-error" in described_by(reason)
    assert "Give a reason for returning the script." in text_of(by_id(page, "reason-error"))
    assert one(page, '//details[.//*[@id="reason"]]').get("open") is not None
    assert page.findtext(".//title").startswith("Error:")
    with app.app_context():
        assert Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first().status \
            is AllocationStatus.ALLOCATED
        assert not AuditEvent.query.filter_by(action="allocation.returned").count()
