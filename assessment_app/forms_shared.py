"""Forms used by both participants and admins: deferral requests and EC claims."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import GovDateInput as _GovDateInput
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovTextArea,
)
from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from .models.eligibility import EC_CATEGORY_TEXT


class GovDateInput(_GovDateInput):
    """GOV.UK's day, month and year inputs, shown again whatever was sent: a form posted with a
    part missing, or repeated, shows the parts sent (the date itself is refused by its field)
    rather than failing to unpack them."""

    def __call__(self, field, **kwargs):
        if field.raw_data is not None and len(field.raw_data) != 3:
            field.raw_data = [*field.raw_data[:3], *[""] * (3 - len(field.raw_data[:3]))]
        return super().__call__(field, **kwargs)

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        # The library puts a required field's `required` on the <div> round the three inputs,
        # where HTML allows no such attribute; the field's own error says what is missing.
        params["attributes"].pop("required", None)
        return params


def uploaded_files(field) -> list[tuple[str, bytes]]:
    """The (name, bytes) of each file sent in a multiple-file field, for evidence_files."""
    return [(f.filename or "", f.read()) for f in request.files.getlist(field.name)]


def options(pairs) -> list[SelectChoice]:
    """Choices for select, radio and checkbox fields, from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def chosen_label(field) -> str:
    """The label of the option chosen in a radio or select field (for a check page)."""
    return next(c.label for c in field.choices if c.value == field.data)


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
