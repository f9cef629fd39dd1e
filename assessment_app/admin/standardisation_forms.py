"""Forms for the lead's standardisation pages (GOV.UK widgets, CSRF by flask-wtf)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional


class SettingsForm(FlaskForm):
    seed_every = IntegerField(
        "One seeded script in every … scripts", widget=GovTextInput(),
        validators=[InputRequired("Enter how often a seeded script appears, for example 20"),
                    NumberRange(2, 1000, "Enter a whole number from 2 to 1000")])
    qualification_size = IntegerField(
        "Scripts in the qualification set", widget=GovTextInput(),
        validators=[InputRequired("Enter how many scripts a marker qualifies on, for example 3"),
                    NumberRange(1, 20, "Enter a whole number from 1 to 20")])
    criteria_off_allowed = IntegerField(
        "Criteria that may be one level from the agreed level", widget=GovTextInput(),
        description="The outcome must always agree, and no criterion may be two levels off.",
        validators=[InputRequired("Enter how many criteria may be one level off, for example 1"),
                    NumberRange(0, 20, "Enter a whole number from 0 to 20")])
    save = SubmitField("Save the settings", widget=GovSubmitInput())


class DefinitiveForm(FlaskForm):
    npq_code = SelectField("NPQ", widget=GovSelect(), validators=[InputRequired("Choose the NPQ")])
    source = StringField(
        "Candidate number of a script from an earlier window (optional)", widget=GovTextInput(),
        description="Its text is copied. Leave blank to paste a written example below.",
        validators=[Optional(), Length(max=12)])
    text = TextAreaField(
        "Script text", widget=GovTextArea(),
        description="A written example, or an anonymised copy of the earlier script (names, "
                    "schools and places removed). With a candidate number and no text, the "
                    "script is copied as written.")
    rationale = TextAreaField("Rationale for the agreed levels", widget=GovTextArea(),
                              validators=[InputRequired("Give the rationale for the agreed levels")])
    save = SubmitField("Add the definitive script", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    action = RadioField("Your decision", widget=GovRadioInput(),
                        validators=[InputRequired("Choose your decision")])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           description="Recorded in the audit log with your decision.",
                           validators=[InputRequired("Give the reason for your decision")])
    save = SubmitField("Record the decision", widget=GovSubmitInput())
