"""What changing a person does (person_effects.py): one rule for the edit page, the CSV import
and the DfE's participants."""

from datetime import date

from assessment_app.person_effects import Facts, HeldScript, LiveEntry, blocking, effects

AUTUMN = LiveEntry("Autumn 2026", "NPQLTD", date(2026, 11, 24), date(2026, 12, 1),
                   first_attempt=True)
RESIT = LiveEntry("Autumn 2026", "NPQLTD", date(2026, 11, 24), date(2026, 12, 1),
                  first_attempt=False)


def test_a_programme_change_is_refused_while_an_attempt_has_no_outcome():
    found = effects({"programme": "NPQH"}, Facts(True, live_entries=[AUTUMN]))
    assert blocking(found) == {"programme": [
        ("They are entered for NPQLTD in Autumn 2026 and that attempt has no outcome yet. An entry "
        "is for one NPQ, so the programme cannot change while it runs: defer or withdraw the "
        "entry first, or wait for its outcome.")]}


def test_a_programme_change_without_a_live_entry_has_no_effect():
    assert effects({"programme": "NPQH"}, Facts(True)) == []


def test_a_new_email_signs_them_out_and_tells_both_addresses():
    [effect] = effects({"email": "sam.t@example.org"}, Facts(True))
    assert not effect.blocking
    assert effect.message.startswith("They will sign in with sam.t@example.org from now on.")
    assert "signed out everywhere" in effect.message and "both the old and the new" in effect.message


def test_an_email_held_by_someone_else_is_refused():
    found = effects({"email": "jo@example.org"}, Facts(True, email_taken=True))
    assert blocking(found) == {"email": [
        ("jo@example.org is already another person's email address. Each person signs in with "
        "their own.")]}


def test_an_end_date_that_puts_a_first_attempt_outside_three_months_is_named_not_refused():
    far = {"programme_end_date": date(2027, 12, 31)}
    [effect] = effects(far, Facts(True, live_entries=[AUTUMN]))
    assert (effect.field, effect.blocking) == ("programme_end_date", False)
    assert effect.message.startswith("Autumn 2026, where they are entered, is not within three")
    # Within three months, or a resit (expected later): nothing to say.
    assert effects({"programme_end_date": date(2026, 12, 31)}, Facts(True, [AUTUMN])) == []
    assert effects(far, Facts(True, live_entries=[RESIT])) == []


def test_a_school_shared_with_the_marker_of_their_script_is_named():
    held = [HeldScript("Martin Doyle", "Midlands Alliance", "Oakfield  primary")]
    [effect] = effects({"school": "OAKFIELD Primary"}, Facts(True, held_scripts=held))
    assert effect == effect.__class__(
        "school", "Their script is being marked by Martin Doyle, of the same school. Move the "
        "script to another marker: nobody marks someone from their own school.")
    assert effects({"school": "Elm Academy"}, Facts(True, held_scripts=held)) == []


def test_a_marker_joining_a_participants_delivery_partner_is_named_by_candidate_number():
    held = [HeldScript("C-1234", "Coastal Trust", None), HeldScript("C-5678", None, None)]
    [effect] = effects({"delivery_partner": "Coastal Trust", "school": None},
                       Facts(False, held_scripts=held))
    assert effect.message.startswith("They are marking the script of candidate C-1234, of the "
                                     "same delivery partner.")
