"""Forms a participant fills in."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from wtforms import BooleanField, HiddenField, TextAreaField

DECLARATION = (
    "I confirm that this response is my own work. I have not used generative AI to write it, "
    "and I have acknowledged any sources I have used."
)


class ResponseForm(FlaskForm):
    text = TextAreaField("Your response")
    declaration = BooleanField(DECLARATION)
    client_token = HiddenField()


class UploadForm(FlaskForm):
    document = FileField(
        "Upload your response as a Word document (.docx)",
        widget=GovFileInput(),
        description="Only Word documents ending .docx",
        validators=[FileRequired("Select a Word document (.docx) to upload")],
    )


class ConfirmUploadForm(FlaskForm):
    declaration = BooleanField(DECLARATION)
    client_token = HiddenField()
