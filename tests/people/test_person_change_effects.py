"""The facts behind a change's effects, read from the database (person_changes.effects): the
scripts being marked on either side of a person, and their attempts still running."""

from marking.conftest import AFTER_CLOSE, closed  # noqa: F401 (a fixture)

from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, Entry, User
from assessment_app.services import allocations, person_changes
from assessment_app.services.person_changes import FieldChange


def effects_of(person: User, **after) -> list[str]:
    changes = [FieldChange(field, getattr(person, field), value) for field, value in after.items()]
    return [e.message for e in person_changes.effects({person.id: changes})[person.id]]


def test_a_participant_or_marker_now_sharing_a_partner_or_school_is_named(app, closed):  # noqa: F811
    with app.app_context():
        allocations.allocate_window(db.session.get(AssessmentWindow, closed.window_id),
                                    AFTER_CLOSE)
        sam = db.session.get(Entry, closed.entry_ids[0])  # marked by Nina (Northern Partnership)
        nina = db.session.get(User, closed.marker_ids[1])
        assert effects_of(sam.participant, delivery_partner="northern  partnership") == [
            ("Their script is being marked by Nina Patel, of the same delivery partner. Move the "
            "script to another marker: nobody marks someone from their own delivery partner.")]
        assert effects_of(nina, school="Oakfield Primary") == [
            (f"They are marking the script of candidate {sam.candidate_number}, of the same "
            "school. Move the script to another marker: nobody marks someone from their own "
            "school.")]
        assert effects_of(nina, school="Elm Academy") == []


def test_an_attempt_with_an_outcome_is_no_live_entry(app, closed):  # noqa: F811
    with app.app_context():
        sam = db.session.get(Entry, closed.entry_ids[0])
        assert effects_of(sam.participant, programme="NPQH")  # running: refused
        sam.outcome = "failed"
        db.session.flush()
        assert effects_of(sam.participant, programme="NPQH") == []
