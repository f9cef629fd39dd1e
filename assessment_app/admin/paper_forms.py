"""Forms for the paper bank: uploading a paper and attaching one to a window."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from ..single_line import SingleLine


class PaperUploadForm(FlaskForm):
    paper = FileField(
        "Paper", widget=GovFileInput(), validators=[FileRequired("Choose the paper to upload")],
        description="A Markdown file (.md) that starts with its front matter (npq, title, "
                    "optional summary and handout), or a Word document (.docx). Up to 2 MB.")
    title = StringField(
        "Title (Word documents only)", widget=GovTextInput(),
        validators=[Optional(), Length(max=300, message="The title must be 300 characters or fewer"),
                    SingleLine("The title")],
        description="Leave blank to use the document's Title paragraph. A Markdown file's title "
                    "comes from its front matter.")
    handouts = MultipleFileField(
        "Handouts (optional)", widget=GovFileInput(multiple=True),
        description="Up to 5 Word (.docx) or PDF files of 5 MB each, for example data tables. "
                    "Include the handout a Markdown file names in its front matter.")
    submit = SubmitField("Add to the bank", widget=GovSubmitInput())


class AttachPaperForm(FlaskForm):
    paper_id = RadioField("Which paper should participants sit?", widget=GovRadioInput(),
                          validators=[InputRequired("Select a paper")])
    submit = SubmitField("Attach paper", widget=GovSubmitInput())
