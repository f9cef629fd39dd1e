"""The response page as a participant meets it: the case study beside the editor, the word
limit's error shown in the server's words, and a sign-out that keeps unsaved words."""

from factories import count_queries, login, make_entry, make_user, make_window
from moments import DURING
from page_html import (
    by_id,
    classed,
    described_by,
    error_links,
    has_class,
    one,
    page_summary,
    parse,
    text_of,
)

from assessment_app.extensions import db
from assessment_app.models import PaperHandout, Role
from assessment_app.services import submissions
from assessment_app.word_limits import WordLimit

LIMIT = WordLimit(1500)


def draft(app, journey, text):
    with app.app_context():
        submissions.save_draft(journey.entry_id, text, DURING)
        db.session.commit()  # as the request does


def test_the_case_study_is_beside_the_editor_on_the_response_page(journey, clock):
    """One page: the case study (with its handouts) in a reading column before the editor
    (beside it on a wide screen, above it on a phone), and neither page opens the other in a
    new tab."""
    journey.at(DURING)
    page = parse(journey.client.get(journey.url("/response")))
    workbench = one(page, f"//*[{classed('app-workbench')}]")
    reading, writing = workbench.getchildren()
    assert has_class(reading, "app-workbench__reading") and has_class(writing, "app-workbench__writing")
    assert reading.get("tabindex") == "0" and reading.get("aria-labelledby") == "case-study-title"
    assert "SECRET-CASE-STUDY-TEXT NPQLTD" in text_of(reading)
    assert reading.xpath(f'.//a[@href="{journey.url("/case-study/handouts/1")}"]')
    assert writing.xpath('.//form//textarea[@id="text"]')
    assert not page.xpath('//a[@target="_blank"]')
    case_study = parse(journey.client.get(journey.url("/case-study")))
    assert not case_study.xpath('//a[@target="_blank"]')
    assert case_study.xpath(f'//main//a[@href="{journey.url("/response")}"]')


def test_the_response_page_makes_a_fixed_number_of_statements(app, journey, clock):
    """The case study beside the editor costs one statement (paper and handouts together, its
    text rendered once and kept), whatever number of handouts it has."""
    journey.at(DURING)
    journey.client.get(journey.url("/response"))  # the first render loads the paper's text
    few = count_queries(app, lambda: journey.client.get(journey.url("/response")))
    with app.app_context():
        window = make_window(name="Big window", npqs=("NPQLTD", "NPQSL"))
        entry = make_entry(window, make_user(email="many@example.org"))
        paper = window.paper_for("NPQLTD").case_paper
        for i in range(3):
            db.session.add(PaperHandout(paper_id=paper.id, filename=f"more{i}.pdf", size=3,
                                        data=b"%PD", content_type="application/pdf",
                                        sha256=f"{i}" * 64))
        db.session.commit()
        entry_id = entry.id
    other = app.test_client()
    login(other, "many@example.org")
    other.get(journey.url("/response", entry_id))
    many = count_queries(app, lambda: other.get(journey.url("/response", entry_id)))
    assert few == many


def test_a_draft_over_the_limit_shows_the_servers_error_on_the_field(app, journey, clock):
    """The page opens with the error the server would give on submitting, tied to the field
    (aria-invalid, aria-describedby), and carries that wording for the editor to keep live."""
    journey.at(DURING)
    draft(app, journey, "word " * 1502)
    page = parse(journey.client.get(journey.url("/response")))
    field = by_id(page, "text")
    error = by_id(page, "text-error")
    assert error.get("hidden") is None and error.get("data-error-kind") == "limit"
    assert text_of(error) == f"Error: {LIMIT.over_limit_message(1502)}"
    assert field.get("aria-invalid") == "true" and "text-error" in described_by(field)
    assert field.get("data-over-limit-message") == LIMIT.message_template()
    assert has_class(field.getparent(), "govuk-form-group--error")


def test_within_the_limit_the_error_waits_hidden_and_the_field_is_valid(app, journey, clock):
    """The editor has an empty, hidden error to fill if the text goes over; until then the field
    is not marked invalid and is not described by it."""
    journey.at(DURING)
    draft(app, journey, "word " * 1500)
    page = parse(journey.client.get(journey.url("/response")))
    field = by_id(page, "text")
    error = by_id(page, "text-error")
    assert error.get("hidden") is not None and text_of(error) == "Error:"
    assert field.get("aria-invalid") is None and "text-error" not in described_by(field)
    assert field.get("data-over-limit-message") == LIMIT.message_template()
    assert page.xpath('//script[contains(@src, "/static/js/word_limit.")]')


def test_a_refused_submission_names_the_same_words_in_the_summary_and_on_the_field(journey, clock):
    """Over the limit: the summary links to the field, whose message is the limit's; another
    refusal (an empty response) is marked as one, so typing does not clear it."""
    journey.at(DURING)
    over = parse(journey.refused_page(journey.submit("word " * 1503)))
    assert error_links(over) == ["#text"]
    assert text_of(one(page_summary(over), ".//li")) == LIMIT.over_limit_message(1503)
    assert by_id(over, "text-error").get("data-error-kind") == "limit"
    empty = parse(journey.refused_page(journey.submit("   ", token="t-2")))
    error = by_id(empty, "text-error")
    assert error.get("data-error-kind") == "refusal" and "Your response is empty" in text_of(error)
    assert by_id(empty, "text").get("aria-invalid") == "true"


def test_a_participants_sign_out_sends_their_unsaved_drafts_first(app, journey, clock):
    """With JavaScript the sign-out form sends every browser copy whose key starts with the
    participant's prefix (the editor's key does) before signing out, and has a hidden warning,
    announced when shown, to offer if the server does not take them."""
    journey.at(DURING)
    for path in ("", "/response", "/case-study"):
        page = parse(journey.client.get(journey.url(path)))
        sign_out = one(page, '//form[@action="/logout"]')
        assert sign_out.get("data-module") == "app-sign-out"
        assert sign_out.get("data-storage-prefix") == f"npq-response-{journey.participant_id}-"
        warning = one(page, "//*[@data-sign-out-warning]")
        assert warning.get("hidden") is not None and warning.get("role") == "alert"
        assert warning.xpath('.//button[@type="button" and @data-sign-out-anyway]')
        assert page.xpath('//script[contains(@src, "/static/js/autosave.")]')
    editor = one(parse(journey.client.get(journey.url("/response"))),
                 '//form[@data-module="app-response-form"]')
    assert editor.get("data-storage-key") == f"npq-response-{journey.participant_id}-{journey.entry_id}"


def test_sign_out_still_works_without_javascript(app, journey, clock):
    """The form posts to /logout and the participant is signed out, whatever the script does."""
    journey.at(DURING)
    journey.client.post("/logout")
    assert journey.client.get(journey.url("/response")).status_code == 302


def test_only_participants_sign_out_through_the_draft_check(app, client, clock):
    """Markers and admins write no drafts: their sign-out is the plain form, with no warning."""
    clock.at(DURING)
    with app.app_context():
        make_user(Role.ADMIN, email="boss@example.org")
    login(client, "boss@example.org")
    page = parse(client.get("/admin/"))
    assert one(page, '//form[@action="/logout"]').get("data-module") is None
    assert not page.xpath("//*[@data-sign-out-warning]")
