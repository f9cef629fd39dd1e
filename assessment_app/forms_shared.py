"""Forms used by both participants and admins: deferral requests and EC claims."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovTextArea,
)
from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from .models.eligibility import EC_CATEGORY_TEXT


def uploaded_files(field) -> list[tuple[str, bytes]]:
    """The (name, bytes) of each file sent in a multiple-file field, for evidence_files."""
    return [(f.filename or "", f.read()) for f in request.files.getlist(field.name)]


def options(pairs) -> list[SelectChoice]:
    """Choices for select, radio and checkbox fields, from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class DeferralForm(FlaskForm):
    reason = TextAreaField("Why do you want to defer?", widget=GovTextArea(),
                           description="You will move to a later window and this will not use "
                                       "one of your two attempts.",
                           validators=[DataRequired("Tell us why you are asking to defer"),
                                       Length(max=5000)])


class ClaimForm(FlaskForm):
    category = RadioField("What kind of circumstances are these?", widget=GovRadioInput(),
                          choices=options((c.value, text) for c, text in EC_CATEGORY_TEXT.items()),
                          validators=[InputRequired("Choose what kind of circumstances these are")])
    description = TextAreaField("What happened, and how did it affect your assessment?",
                                widget=GovTextArea(),
                                validators=[DataRequired("Describe what happened"),
                                            Length(max=10000)])
    affected_from = DateField("First day affected", widget=GovDateInput(), format="%d %m %Y",
                              validators=[InputRequired("Enter the first day affected")])
    affected_to = DateField("Last day affected", widget=GovDateInput(), format="%d %m %Y",
                            validators=[InputRequired("Enter the last day affected")])
    evidence = MultipleFileField("Evidence", widget=GovFileInput(multiple=True),
                                 description="PDF, JPEG, PNG or Word documents, up to 5 files of "
                                             "10 MB each. Only assessment admins see them.")
