"""Forms an assessment admin fills in."""

from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import deadlines
from ..forms_shared import GovDateInput, options
from ..review_rules import DEFAULT_REVIEW_PERIOD_DAYS
from ..single_line import SingleLine


class ClockTimeField(StringField):
    """A London wall-clock time typed as 24-hour HH:MM, e.g. 00:01 or 23:59."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.time = None
        if self.data:
            try:
                self.time = datetime.strptime(self.data.strip(), "%H:%M").time()
            except ValueError:
                raise ValueError(f"Enter {self.label.text.lower()} as a 24-hour time, like 23:59") from None

    def set_time(self, value):
        self.time, self.data = value, value.strftime("%H:%M")


class OptionalDateField(DateField):
    """A day/month/year date that may be left blank (or not sent at all)."""

    def process_formdata(self, valuelist):
        if not any(value.strip() for value in valuelist):
            # The GOV.UK date widget re-renders from three raw parts.
            self.raw_data, self.data = ["", "", ""], None
            return
        super().process_formdata(valuelist)


class WindowForm(FlaskForm):
    name = StringField("Window name", widget=GovTextInput(),
                       description="For example, Autumn 2026 specialist NPQs",
                       validators=[DataRequired("Enter a name for the window"), Length(max=200),
                                   SingleLine("The window name")])
    first_day = DateField("Day 1 (case study release)", widget=GovDateInput(), format="%d %m %Y",
                          description="For example, 24 11 2026",
                          validators=[InputRequired("Enter the date of day 1 as day, month and year")])
    length_days = IntegerField("Length in days", widget=GovTextInput(),
                               default=deadlines.DEFAULT_LENGTH_DAYS,
                               validators=[InputRequired("Enter the length in days"),
                                           NumberRange(1, 60, "The length must be between 1 and 60 days")])
    release_time = ClockTimeField("Release time", widget=GovTextInput(),
                                  description="UK time on day 1, 24-hour clock",
                                  default="00:01",
                                  validators=[DataRequired("Enter the release time")])
    deadline_time = ClockTimeField("Deadline time", widget=GovTextInput(),
                                   description="UK time on the last day: the last minute in which "
                                               "a submission is accepted (23:59 accepts up to 23:59:59)",
                                   default="23:59",
                                   validators=[DataRequired("Enter the deadline time")])
    word_limit = IntegerField("Word limit", widget=GovTextInput(), default=1500,
                              validators=[InputRequired("Enter the word limit"),
                                          NumberRange(100, 10000, "The word limit must be between 100 and 10,000")])
    tolerance_percent = IntegerField("Tolerance over the word limit (%)", widget=GovTextInput(),
                                     default=0, description="0 makes the limit a hard cap",
                                     validators=[InputRequired("Enter the tolerance, or 0 for a hard cap"),
                                                 NumberRange(0, 50, "The tolerance must be between 0 and 50%%")])
    npq_codes = SelectMultipleField("NPQs in this window", widget=GovCheckboxesInput(),
                                    validators=[DataRequired("Select at least one NPQ")])
    marking_deadline = OptionalDateField("Marking deadline (optional)", widget=GovDateInput(),
                                         format="%d %m %Y", validators=[Optional()],
                                 description="Shown to markers with their queue")
    second_marking_percent = IntegerField(
        "Second-marking share (%)", widget=GovTextInput(), default=10,
        description="Share of each marker's scripts second-marked blind, on top of every fail "
                    "and every borderline script",
        validators=[InputRequired("Enter the second-marking share, or 0"),
                    NumberRange(0, 100, "The share must be between 0 and 100%%")])
    engagement_deadline = OptionalDateField(
        "Engagement deadline (optional)", widget=GovDateInput(), format="%d %m %Y",
        validators=[Optional()],
        description="At the end of this day (UK time), participants at 90% or more are entered "
                    "and the rest lose an attempt unless a deferral is agreed. Leave blank to "
                    "check each participant's engagement when they are entered.")
    max_extension_days = IntegerField(
        "Longest extension (days after the deadline)", widget=GovTextInput(), default=14,
        validators=[InputRequired("Enter the longest extension in days"),
                    NumberRange(0, 120, "The longest extension must be between 0 and 120 days")])
    review_period_days = IntegerField(
        "Time to ask for a review of marking (working days after results)",
        widget=GovTextInput(), default=DEFAULT_REVIEW_PERIOD_DAYS,
        description=f"Weekends and bank holidays in England and Wales do not count. Left "
                    f"blank, it is {DEFAULT_REVIEW_PERIOD_DAYS}.",
        validators=[Optional(),
                    NumberRange(1, 60, "The time to ask for a review must be between 1 and 60 "
                                       "working days")])
    # Shown only when a change needs confirming; `confirmed_plan` names what was shown.
    confirm_changes = BooleanField("I confirm these changes", widget=GovCheckboxInput())
    confirmed_plan = HiddenField()
    submit = SubmitField("Save window", widget=GovSubmitInput())

    def confirmed(self, review) -> bool:
        """True when nothing is refused and whatever needs confirming was shown and confirmed;
        otherwise the refusals and the missing confirmation become field errors."""
        for refusal in review.refusals:
            getattr(self, refusal.field).errors.append(refusal.message)
        if review.refusals or not review.needs_confirmation:
            return not review.refusals
        if self.confirmed_plan.data == review.fingerprint:
            if self.confirm_changes.data:
                return True
            self.confirm_changes.errors.append("Confirm the changes to save them, or go back")
        # Shown afresh (or changed since it was shown): ask about what is on the page now.
        self.confirmed_plan.data, self.confirm_changes.data = review.fingerprint, False
        return False

    def validate_engagement_deadline(self, field):
        if field.data and self.first_day.data and field.data >= self.first_day.data:
            raise ValidationError("The engagement deadline must be before day 1")

    def validate_deadline_time(self, field):
        if self.length_days.data == 1 and self.release_time.time and field.time and \
                field.time <= self.release_time.time:
            raise ValidationError("In a one-day window the deadline must be after the release time")


class EntryForm(FlaskForm):
    npq_code = SelectField("NPQ", widget=GovSelect(), validators=[DataRequired("Select the NPQ")])
    emails = TextAreaField("Participants' email addresses", widget=GovTextArea(),
                           description="One per line. Everyone must already have a participant "
                                       "account on this NPQ and, unless the engagement deadline "
                                       "is still to come, 90% engagement or an exemption.",
                           validators=[DataRequired("Enter at least one email address")])
    # Set by the "enter them anyway" button: the addresses whose programme dates were confirmed.
    confirmed = HiddenField()
    submit = SubmitField("Enter participants", widget=GovSubmitInput())


class MarkerForm(FlaskForm):
    npq_codes = SelectMultipleField("NPQs this person may mark", widget=GovCheckboxesInput())
    capacity = IntegerField("Capacity (scripts per window)", widget=GovTextInput(),
                            validators=[InputRequired("Enter the capacity"),
                                        NumberRange(0, 2000, "The capacity must be between 0 and 2,000")])
    share = DecimalField("Contracted share", widget=GovTextInput(), places=2,
                         description="1 is a standard load; 0.5 takes half as many scripts",
                         validators=[InputRequired("Enter the share"),
                                     NumberRange(0.05, 10, "The share must be between 0.05 and 10")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class EngagementImportForm(FlaskForm):
    document = FileField("Engagement export (CSV)", widget=GovFileInput(),
                         description="Columns: participant (email or id), programme (NPQ code), "
                                     "percent_complete, as_of (YYYY-MM-DD)",
                         validators=[FileRequired("Choose the CSV file to import")])
    submit = SubmitField("Import", widget=GovSubmitInput())


class DeferralDecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=options([("agree", "Agree: move to a later window (no attempt used)"),
                                           ("refuse", "Refuse")]),
                          validators=[InputRequired("Choose a decision")])
    to_window = SelectField("Later window", widget=GovSelect(), validate_choice=False)
    reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for your decision")])
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class ClaimDecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=options([("reject", "Reject"),
                                           ("extension", "Grant an extension"),
                                           ("defer", "Defer to a later window (no attempt used)"),
                                           ("void", "Void the attempt (it does not count)")]),
                          validators=[InputRequired("Choose a decision")])
    until = OptionalDateField("Extension runs to (for an extension)", widget=GovDateInput(),
                              format="%d %m %Y", validators=[Optional()])
    to_window = SelectField("Later window (for a deferral)", widget=GovSelect(),
                            validate_choice=False)
    reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for your decision")])
    submit = SubmitField("Record decision", widget=GovSubmitInput())


class ExtensionForm(FlaskForm):
    entry_ids = SelectMultipleField("Participants", widget=GovCheckboxesInput(), coerce=int,
                                    validators=[Optional()])
    group = SelectField("Or everyone in a group", widget=GovSelect(), default="",
                        description="A cohort, delivery partner or school. You will see who is in "
                                    "it before the extension is granted.")
    # Set by the confirmation button: the entries the admin saw listed for the group.
    confirm_ids = HiddenField()
    until = DateField("New deadline day", widget=GovDateInput(), format="%d %m %Y",
                      description="The deadline is at the window's deadline time on this day",
                      validators=[InputRequired("Enter the day the extension runs to")])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for the extension")])
    submit = SubmitField("Grant extension", widget=GovSubmitInput())

    def validate_group(self, field):
        if not field.data and not self.entry_ids.data:
            raise ValidationError("Choose participants by name, or a group")
        if field.data and self.entry_ids.data:
            raise ValidationError("Choose participants by name or a group, not both")


class PeopleImportForm(FlaskForm):
    document = FileField("People (CSV)", widget=GovFileInput(),
                         description="Columns: role (participant, marker or moderator), name, "
                                     "email, programme (NPQ code; markers may list several), "
                                     "cohort, delivery_partner, school, and optionally "
                                     "programme_end_date (a participant's, like 2026-07-31)",
                         validators=[FileRequired("Choose the CSV file to import")])
    submit = SubmitField("Import", widget=GovSubmitInput())


class PersonForm(FlaskForm):
    role = RadioField("Role", widget=GovRadioInput(),
                      choices=options([("participant", "Participant"), ("marker", "Marker"),
                                       ("moderator", "Moderator")]),
                      validators=[InputRequired("Choose the person's role")])
    name = StringField("Full name", widget=GovTextInput(),
                       validators=[DataRequired("Enter the person's name"), Length(max=200),
                                   SingleLine("The name")])
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[DataRequired("Enter the person's email address")])
    programme = StringField("Programme", widget=GovTextInput(),
                            description="The NPQ code, for example NPQLTD. Markers may list "
                                        "several, separated by spaces.")
    cohort = StringField("Cohort (optional)", widget=GovTextInput())
    delivery_partner = StringField("Delivery partner (optional)", widget=GovTextInput())
    school = StringField("School (optional)", widget=GovTextInput())
    programme_end_date = OptionalDateField(
        "Programme end date (optional, participants only)", widget=GovDateInput(),
        format="%d %m %Y", validators=[Optional()],
        description="We warn you when entering them for a window more than three months from it. "
                    "For example, 31 7 2026")
    submit = SubmitField("Add person", widget=GovSubmitInput())


class PersonEditForm(PersonForm):
    """A person's details; their role stays (a marker's NPQs are changed on their marker page)."""

    role = None
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ExemptionForm(FlaskForm):
    window_id = SelectField("Window", widget=GovSelect(),
                            validators=[DataRequired("Choose the window")])
    reason = TextAreaField("Why may they be entered below 90%?", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for the exemption"),
                                       Length(max=5000)])
    submit = SubmitField("Record exemption", widget=GovSubmitInput())


def _id_or_none(value):
    return int(value) if value not in ("", None) else None


class AssignModeratorForm(FlaskForm):
    moderator_id = SelectField("Moderator", widget=GovSelect(), coerce=_id_or_none,
                               validators=[InputRequired("Choose a moderator")])
    submit = SubmitField("Assign moderator", widget=GovSubmitInput())


class WithdrawExtensionForm(FlaskForm):
    reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for taking the extension "
                                                    "back"), Length(max=5000)])
    submit = SubmitField("Take the extension back", widget=GovSubmitInput())


class AssignMarkerForm(FlaskForm):
    marker_id = RadioField("Marker", widget=GovRadioInput(),
                           validators=[InputRequired("Choose a marker")])
    submit = SubmitField("Assign the script", widget=GovSubmitInput())


class RealDateField(OptionalDateField):
    """A date that may be left blank; anything else typed must be a real day, month and year
    (and says so, keeping what was typed)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 8 1 2027") from None


class ReleaseForm(FlaskForm):
    when = RadioField("When", widget=GovRadioInput(), default="now",
                      choices=options([("now", "Now"), ("later", "On a date (UK time)")]),
                      validators=[InputRequired("Choose when to release results")])
    date = RealDateField("Release date", widget=GovDateInput(), format="%d %m %Y",
                         description="For a release on a date. For example, 8 1 2027")
    time = ClockTimeField("Release time", widget=GovTextInput(), default="09:00",
                          description="For a release on a date: UK time, 24-hour clock")
    submit = SubmitField("Release results", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.when.data == "now":  # the date and time are for a release on a date only
            self.date.errors, self.time.errors = [], []
            return not any(f.errors for f in self)
        return valid

    def release_at(self, at: datetime) -> datetime | None:
        """The instant chosen (`at` for now), or None with the reason on its field."""
        if self.when.data == "now":
            return at
        if self.date.data is None:
            self.date.errors.append("Enter the date to release results")
            return None
        if self.time.time is None:
            self.time.errors.append("Enter the release time")
            return None
        when = deadlines.london_instant(self.date.data, self.time.time)
        if when <= at:
            self.date.errors.append("The release date and time must be in the future, or "
                                    "choose Now")
            return None
        return when
