"""Script integrity on the way in: normalised text, a count that cannot be gamed, and bad input
(empty, all references, 100,000 words, other alphabets) answered clearly with nothing lost."""

import hashlib
import io

from docx import Document
from markupsafe import escape
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import Draft, ResponseUpload, SubmissionVersion
from assessment_app.wordcount import REFERENCE_RULE, WORD_RULE


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def stored(app, *columns):
    """The rows of these columns (loaded here: text columns are deferred)."""
    with app.app_context():
        return [tuple(row) for row in db.session.query(*columns).all()]


def docx_of(*paragraphs: str) -> bytes:
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(journey, data: bytes):
    response = journey.client.post(journey.url("/upload"),
                                   data={"document": (io.BytesIO(data), "response.docx")},
                                   content_type="multipart/form-data")
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_nul_in_autosaved_text_is_removed_and_the_draft_kept(app, journey, clock):
    """A NUL (refused by PostgreSQL) or another control character never loses a draft."""
    journey.at(DURING)
    saved = journey.client.post(journey.url("/draft"),
                                data={"text": "Half\x00 a\x1b thought\x7f,\ttab\r\nnext"})
    assert saved.status_code == 200 and saved.json["words"] == 5
    assert stored(app, Draft.text) == [("Half a thought,\ttab\r\nnext",)]


def test_submitted_text_is_stored_normalised_and_its_receipt_hashes_that(app, journey, clock):
    """NFC, controls gone: the version, its count and its SHA-256 are of the stored text."""
    journey.at(DURING)
    assert journey.submit("Cafe\u0301 cul\x00ture matters").status_code == 302
    ((text, sha256, count),) = stored(app, SubmissionVersion.text, SubmissionVersion.sha256,
                                      SubmissionVersion.word_count)
    assert text == "Caf\u00e9 culture matters"
    assert sha256 == hashlib.sha256(text.encode()).hexdigest() and count == 3


def test_uploaded_text_is_stored_normalised(app, journey, clock):
    """The .docx path normalises the same way: decomposed accents are composed."""
    journey.at(DURING)
    upload(journey, docx_of("Cafe\u0301 culture and well-being"))
    assert stored(app, ResponseUpload.text) == [("Caf\u00e9 culture and well-being",)]


def test_the_editor_shows_counted_words_and_reference_entries_and_the_rule(app, journey, clock):
    """Before submitting the participant reads "Counted: N words. Reference list: M entries,
    not counted", from the server too (no JavaScript needed), and the rule on the page."""
    journey.at(DURING)
    text = "My answer here.\nReferences\nSmith, J. (2019) Coaching.\nDfE (n.d.) Guidance."
    journey.client.post(journey.url("/draft"), data={"text": text})
    page = journey.client.get(journey.url("/response")).text
    assert "Counted: 3 words. Reference list: 2 entries, not counted." in page
    assert str(escape(REFERENCE_RULE)) in page and str(escape(WORD_RULE)) in page
    assert "any other line after that heading is" in page


def test_argument_hidden_after_the_references_heading_counts(app, journey, clock):
    """Only entry-like lines are left out: 1,499 words plus a five-word line after the heading
    is 1,504 words, refused; the draft keeps the text."""
    journey.at(DURING)
    text = f"{words(1499)}\nReferences\nSmith (2019) Coaching.\nThis argument was hidden here."
    response = journey.refused_page(journey.submit(text))
    assert "Your response has 1,504 words. The limit is 1,500 words." in response.text
    assert stored(app, SubmissionVersion.id) == []
    assert stored(app, Draft.text) == [(text,)]


def test_blank_glyphs_between_words_do_not_hide_them(app, journey, clock):
    """U+2800 Braille blanks between 1,501 words: counted 1,501, refused."""
    journey.at(DURING)
    response = journey.refused_page(journey.submit("\u2800".join(words(1501).split())))
    assert "Your response has 1,501 words." in response.text
    assert stored(app, SubmissionVersion.id) == []


def test_a_script_that_is_all_references_is_refused_with_its_own_message(app, journey, clock):
    """Nothing above the heading: a message that says so, and the text is kept."""
    journey.at(DURING)
    text = "References\nSmith (2019) Coaching.\nJones (2020) Feedback."
    response = journey.refused_page(journey.submit(text))
    assert response.status_code == 200
    assert "Your response has no counted words: it is all reference list." in response.text
    assert "Counted: 0 words. Reference list: 2 entries, not counted." in response.text
    assert stored(app, SubmissionVersion.id) == []
    assert stored(app, Draft.text) == [(text,)]


def test_an_all_references_upload_is_kept_and_says_why_it_cannot_be_submitted(app, journey,
                                                                              clock):
    """The document is read and shown; the page explains; submitting anyway is refused."""
    journey.at(DURING)
    location = upload(journey, docx_of("References", "Smith (2019) Coaching."))
    confirm = journey.client.get(location).text
    assert "Counted: 0 words. Reference list: 1 entry, not counted." in confirm
    assert "Nothing in this document is counted: it is all reference list." in confirm
    assert "Submit this response" not in confirm
    refused = journey.client.post(location, data={"declaration": "y", "client_token": "r1"})
    assert "it is all reference list" in refused.text
    assert stored(app, SubmissionVersion.id) == [] and len(stored(app, ResponseUpload.id)) == 1


def test_a_100000_word_typed_response_is_kept_and_refused_with_its_count(app, journey, clock):
    """Refused at submit with the count, the limit and what to remove; never a crash, and
    the draft holds every word."""
    journey.at(DURING)
    text = words(100_000)
    response = journey.refused_page(journey.submit(text))
    assert response.status_code == 200
    assert ("Your response has 100,000 words. The limit is 1,500 words. "
            "Remove 98,500 words and submit again.") in response.text
    assert stored(app, Draft.text) == [(text,)]


def test_a_100000_word_upload_is_shown_and_refused_at_submit(app, journey, clock):
    """The upload is read and its count shown; submitting it is refused with a message."""
    journey.at(DURING)
    location = upload(journey, docx_of(*(words(1000) for _ in range(100))))
    confirm = journey.client.get(location).text
    assert "Counted: 100,000 words." in confirm
    assert "98,500 words over the limit" in confirm
    refused = journey.client.post(location, data={"declaration": "y", "client_token": "big"})
    assert "Your response has 100,000 words." in refused.text
    assert stored(app, SubmissionVersion.id) == [] and len(stored(app, ResponseUpload.id)) == 1


def test_other_alphabets_are_kept_intact_and_counted_by_the_rule(app, journey, clock):
    """Greek and Arabic count by spaces, each Chinese character is a word; the text is kept."""
    journey.at(DURING)
    text = "Καλή μέρα. مرحبا بك. 教师专业发展"
    assert journey.submit(text).status_code == 302
    assert stored(app, SubmissionVersion.text, SubmissionVersion.word_count) == [(text, 10)]
