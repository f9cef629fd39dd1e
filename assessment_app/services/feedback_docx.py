"""The participant's feedback as a Word document, made with python-docx."""

import io

from docx import Document

from ..models import Entry
from ..rubrics import Rubric
from ..text_intake import xml_text
from ..timeformat import london_time
from .amendments import headline
from .checking import FinalResult


def feedback_document(entry: Entry, result: FinalResult, rubric: Rubric) -> bytes:
    document = Document()
    document.add_heading(f"NPQ in {entry.npq.name}: assessment feedback", level=0)
    document.add_paragraph(xml_text(f"{entry.window.name}. Candidate number {entry.candidate_number}."))
    document.add_heading(f"Outcome: {headline(entry, result)}", level=1)
    if entry.completed_at:
        document.add_paragraph(f"Result released {london_time(entry.completed_at)}.")
    document.add_heading("Feedback on each criterion", level=1)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, ("Criterion", "Judgement", "Comment")):
        cell.text = heading
    for judgement in result.judgements:
        cells = table.add_row().cells
        cells[0].text = rubric.criterion(judgement.criterion_id).title
        cells[1].text = rubric.level(judgement.level_id).title
        # A comment may hold what Word pastes (a vertical tab for a line break), which XML cannot.
        cells[2].text = xml_text(judgement.comment)
    document.add_heading("Overall feedback", level=1)
    for paragraph in xml_text(result.feedback or "").split("\n\n"):
        document.add_paragraph(paragraph.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
