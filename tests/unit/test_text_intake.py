"""Text is normalised once on the way in (assessment_app/text_intake.py)."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from assessment_app.text_intake import _CONTROLS as CONTROL_PATTERN
from assessment_app.text_intake import _SURROGATES, normalise
from assessment_app.wordcount import count_words

_CONTROLS = [chr(code) for code in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
_KEPT = "\t\n\x0b\x0c\r\x85"


def test_nfc_composes_what_different_keyboards_type():
    """e + combining acute is stored as é, so equal words are equal characters."""
    assert normalise("cafe\u0301 ŵ") == "caf\u00e9 \u0175"
    assert normalise("cafe\u0301") == unicodedata.normalize("NFC", "cafe\u0301")


def test_nul_and_other_controls_are_removed_but_tab_and_line_breaks_kept():
    """Every C0 and C1 control goes except tab, LF, VT, FF, CR and NEL."""
    for ch in _CONTROLS:
        assert normalise(f"a{ch}b") == (f"a{ch}b" if ch in _KEPT else "ab"), repr(ch)


def test_a_lone_surrogate_becomes_the_replacement_character():
    """Not valid Unicode, so the database driver would refuse it: it is replaced, not lost."""
    assert normalise("a\ud800b") == "a\ufffdb"


def test_normalising_twice_changes_nothing():
    assert normalise(normalise("e\u0301\x00x\u0085")) == normalise("e\u0301\x00x\u0085")


@given(st.lists(st.sampled_from(
    list("ab1 .-\n\r\t") + _CONTROLS + ["e\u0301", "\u2000", "\u2001", "\uf900", "\u212b",
                                         "\u1100\u1161", "\u2800", "\u200d", "\u6559"]),
    max_size=50).map("".join))
def test_normalising_never_changes_the_count(text):
    """Removed controls neither separate words nor are letters, and NFC keeps letters letters
    and separators separators, so a text counts the same before and after."""
    assert count_words(normalise(text)) == count_words(text)


@given(st.lists(st.sampled_from(
    list("ab \n\r\t\u00a3\u00e9\u2019") + _CONTROLS + ["\ud800", "\udfff", "\u0100", "\U0001F600"]),
    max_size=30).map("".join))
def test_the_quick_check_skips_only_text_with_nothing_to_clean(text):
    """Normalising decides from the UTF-8 bytes whether to search for controls and lone
    surrogates: the result is the full cleaning's, whatever the text holds."""
    cleaned = CONTROL_PATTERN.sub("", _SURROGATES.sub("\ufffd", text))
    assert normalise(text) == unicodedata.normalize("NFC", cleaned)


def test_the_feedback_document_holds_a_comment_pasted_from_word(monkeypatch):
    """A marker's comment with a vertical tab or form feed (Word's line and page breaks, kept
    by normalise as word separators) made the participant's feedback .docx a server error."""
    import io
    from types import SimpleNamespace

    from docx import Document

    from assessment_app.services import feedback_docx

    monkeypatch.setattr(feedback_docx, "headline", lambda entry, result: "Passed")
    entry = SimpleNamespace(npq=SimpleNamespace(name="Leading Teaching"),
                            window=SimpleNamespace(name="Autumn\x0c2026"), candidate_number="1234",
                            completed_at=None)
    rubric = SimpleNamespace(criterion=lambda i: SimpleNamespace(title="Diagnosis"),
                             level=lambda i: SimpleNamespace(title="Secure"))
    result = SimpleNamespace(judgements=[SimpleNamespace(criterion_id="d", level_id="s",
                                                         comment="Good\x0bwork\x0cand\x00more")],
                             feedback="Overall\x0bclear.")
    document = Document(io.BytesIO(feedback_docx.feedback_document(entry, result, rubric)))
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Good\nwork\nandmore" in cells
    assert "Overall\nclear." in [p.text for p in document.paragraphs]
