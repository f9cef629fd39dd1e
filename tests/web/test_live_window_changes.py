"""Changing a window after its case study is released: what hurts is refused, what helps is
confirmed, audited and emailed, and a length other than 8 days is confirmed."""

import re
from datetime import UTC, date, datetime, time

import pytest
from factories import login, make_entry, make_user, make_window
from moments import BEFORE_RELEASE, CLOSED, LAST_SECOND, RELEASED

from assessment_app.deadlines import deadline_closes_at
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent, Entry, OutboxMessage, Role, User
from assessment_app.services import deadline_extensions, submissions

# The factory window of 24 November to 1 December 2026, as the edit form sends it.
FORM = {
    "name": "Autumn 2026",
    "first_day": ["24", "11", "2026"],
    "length_days": "8",
    "release_time": "00:01",
    "deadline_time": "23:59",
    "word_limit": "1500",
    "tolerance_percent": "0",
    "npq_codes": ["NPQLTD"],
    "second_marking_percent": "10",
    "max_extension_days": "14",
}


class Admin:
    def __init__(self, app, client, clock, window_id):
        self.app, self.client, self.clock, self.window_id = app, client, clock, window_id

    def at(self, moment):
        self.clock.at(moment)
        login(self.client, "admin@example.org")

    def edit(self, **changes):
        return self.client.post(f"/admin/windows/{self.window_id}/edit", data={**FORM, **changes})

    def confirm(self, page, **changes):
        """Tick the box on the confirmation the page showed, and save again."""
        plan = re.search(r'name="confirmed_plan" type="hidden" value="([0-9a-f]+)"', page.text)
        assert plan, "the page asks for no confirmation"
        return self.edit(confirm_changes="y", confirmed_plan=plan.group(1), **changes)

    def window(self) -> AssessmentWindow:
        return db.session.get(AssessmentWindow, self.window_id)


@pytest.fixture
def admin(app, client, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        owner = make_user(Role.ADMIN, email="admin@example.org")
        window = make_window(admin=owner)
        make_entry(window, make_user(email="sam@example.org", name="Sam Taylor"))
        make_entry(window, make_user(email="jo@example.org", name="Jo Evans"))
        window_id = window.id
    return Admin(app, client, clock, window_id)


def _updates(app):
    with app.app_context():
        return AuditEvent.query.filter_by(action="window.updated").count()


def _mail(app, kind="window_changed"):
    with app.app_context():
        return OutboxMessage.query.filter_by(kind=kind).order_by(OutboxMessage.to).all()


@pytest.mark.parametrize("change,message", [
    ({"length_days": "7"}, "The window cannot be shortened after the case study is released: it "
                           "is 8 days long, with the deadline at 11:59pm on Tuesday 1 December "
                           "2026"),
    ({"deadline_time": "17:00"}, "The deadline time cannot be made earlier after the case study "
                                 "is released: it is 23:59 on the last day"),
    ({"word_limit": "1000"}, "The word limit cannot be lowered after the case study is released: "
                             "it is 1,500 words"),
])
def test_from_the_release_instant_changes_that_hurt_are_refused_and_name_the_current_value(
        app, admin, change, message):
    admin.at(RELEASED)
    response = admin.edit(**change)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text and message in response.text
    with app.app_context():
        window = admin.window()
        assert (window.length_days, window.deadline_time, window.word_limit) == \
            (8, time(23, 59), 1500)
    assert _updates(app) == 0 and not _mail(app)


def test_a_second_before_release_the_same_change_is_saved_without_confirmation(app, admin):
    admin.at(BEFORE_RELEASE)
    assert admin.edit(word_limit="1000", deadline_time="17:00").status_code == 302
    with app.app_context():
        assert admin.window().word_limit == 1000
    assert not _mail(app)


def test_a_1418_word_submission_is_not_left_under_a_1000_word_limit(app, admin, clock):
    """The issue's case: a submitted response must never fall outside a limit cut later."""
    clock.at(datetime(2026, 11, 26, 10, tzinfo=UTC))
    with app.app_context():
        entry = Entry.query.join(Entry.participant).filter_by(email="sam@example.org").one()
        submissions.submit(entry, " ".join(["word"] * 1418), declaration=True, client_token="t",
                           at=clock.at(datetime(2026, 11, 26, 10, tzinfo=UTC)))
    admin.at(datetime(2026, 11, 27, 9, tzinfo=UTC))
    assert "The word limit cannot be lowered" in admin.edit(word_limit="1000").text
    with app.app_context():
        assert admin.window().word_limit == 1500


def test_a_lower_tolerance_is_refused_with_its_current_value(app, admin):
    with app.app_context():
        admin.window().tolerance_percent = 10
        db.session.commit()
    admin.at(RELEASED)
    page = admin.edit(tolerance_percent="5", word_limit="2000")
    assert "The tolerance cannot be lowered after the case study is released: it is 10%" \
        in page.text
    with app.app_context():
        assert (admin.window().word_limit, admin.window().tolerance_percent) == (1500, 10)


def test_a_later_deadline_asks_for_confirmation_showing_the_change_and_who_is_told(app, admin):
    admin.at(LAST_SECOND)
    page = admin.edit(length_days="10")
    assert page.status_code == 200
    assert "Check these changes" in page.text
    assert "11:59pm on Tuesday 1 December 2026" in page.text
    assert "11:59pm on Thursday 3 December 2026" in page.text
    assert "2 participants entered will be emailed" in page.text
    assert "This window will be 10 days long" in page.text  # not the usual 8
    with app.app_context():
        assert admin.window().length_days == 8
    assert not _mail(app)

    saved = admin.confirm(page, length_days="10")
    assert saved.status_code == 302
    with app.app_context():
        window = admin.window()
        assert window.closes_at == deadline_closes_at(date(2026, 12, 3), time(23, 59))
        event = AuditEvent.query.filter_by(action="window.updated").one()
        assert event.detail["before"]["closes_at"] == "2026-12-02T00:00:00+00:00"
        assert event.detail["after"]["closes_at"] == "2026-12-04T00:00:00+00:00"
        assert event.detail["confirmed"] is True and event.detail["participants_notified"] == 2
    mail = _mail(app)
    assert [m.to for m in mail] == ["jo@example.org", "sam@example.org"]
    assert "Deadline: now 11:59pm on Thursday 3 December 2026 (it was 11:59pm on Tuesday 1 " \
           "December 2026)" in mail[0].body
    assert "Your deadline is 11:59pm on Thursday 3 December 2026." in mail[0].body


def test_a_higher_word_limit_is_confirmed_and_emailed_with_the_new_limit(app, admin):
    admin.at(RELEASED)
    page = admin.edit(word_limit="2000", tolerance_percent="10")
    assert "2,000 words, with a tolerance of 10%" in page.text
    assert admin.confirm(page, word_limit="2000", tolerance_percent="10").status_code == 302
    with app.app_context():
        assert (admin.window().word_limit, admin.window().tolerance_percent) == (2000, 10)
    (first, _) = _mail(app)
    assert "Word limit: now 2,000 words, with a tolerance of 10%" in first.body


def test_an_unticked_confirmation_saves_nothing_and_says_why(app, admin):
    admin.at(RELEASED)
    page = admin.edit(word_limit="2000")
    plan = re.search(r'name="confirmed_plan" type="hidden" value="([0-9a-f]+)"', page.text).group(1)
    again = admin.edit(word_limit="2000", confirmed_plan=plan)
    assert "govuk-error-summary" in again.text
    assert "Confirm the changes to save them" in again.text
    with app.app_context():
        assert admin.window().word_limit == 1500


def test_a_confirmation_of_one_change_does_not_confirm_another(app, admin):
    """The admin confirmed 2,000 words, then typed 3,000: they are asked again."""
    admin.at(RELEASED)
    page = admin.edit(word_limit="2000")
    changed = admin.confirm(page, word_limit="3000")
    assert changed.status_code == 200 and "Check these changes" in changed.text
    with app.app_context():
        assert admin.window().word_limit == 1500
    assert not _mail(app)


def test_the_service_itself_refuses_an_unconfirmed_helpful_change(app, admin, clock):
    from assessment_app.services import windows
    from assessment_app.services.windows import WindowError, WindowSettings

    clock.at(RELEASED)
    with app.app_context():
        window = admin.window()
        settings = WindowSettings(name=window.name, first_day=window.first_day, length_days=9,
                                  release_time=time(0, 1), deadline_time=time(23, 59),
                                  word_limit=1500, tolerance_percent=0, npq_codes=("NPQLTD",))
        with pytest.raises(WindowError, match="Confirm the changes"):
            windows.update_window(window, settings, User.query.filter_by(role=Role.ADMIN).first(),
                                  RELEASED)


@pytest.mark.parametrize("change", [
    {"name": "Autumn 2026 (specialist)"},
    {"marking_deadline": ["15", "1", "2027"]},
    {"second_marking_percent": "20"},
    {"max_extension_days": "20"},
])
def test_changes_that_touch_no_participant_save_at_once_and_email_no_one(app, admin, change):
    admin.at(RELEASED)
    assert admin.edit(**change).status_code == 302
    assert _updates(app) == 1 and not _mail(app)


def test_the_extension_limit_cannot_be_cut_below_an_extension_granted(app, admin):
    admin.at(RELEASED)
    with app.app_context():
        entry = Entry.query.join(Entry.participant).filter_by(email="sam@example.org").one()
        entry.extended_closes_at = deadline_closes_at(date(2026, 12, 8), time(23, 59))
        db.session.commit()
    page = admin.edit(max_extension_days="3")
    assert "The longest extension cannot be less than 7 days after the deadline" in page.text
    assert "It is 14 days now" in page.text
    assert admin.edit(max_extension_days="7").status_code == 302


def test_after_the_deadline_the_deadline_can_no_longer_move(app, admin):
    admin.at(CLOSED)
    page = admin.edit(length_days="10")
    assert "The deadline cannot change after the window has closed" in page.text
    assert "Check these changes" not in page.text


def test_an_extended_participant_is_told_their_own_deadline(app, admin):
    admin.at(RELEASED)
    with app.app_context():
        entry = Entry.query.join(Entry.participant).filter_by(email="sam@example.org").one()
        deadline_extensions.grant([entry], date(2026, 12, 8), "Illness",
                                  User.query.filter_by(role=Role.ADMIN).first(), RELEASED)
        db.session.commit()
    admin.confirm(admin.edit(length_days="9"), length_days="9")
    sam = [m for m in _mail(app) if m.to == "sam@example.org"][0]
    assert "Your deadline is 11:59pm on Tuesday 8 December 2026." in sam.body


def test_creating_a_window_of_other_than_8_days_asks_for_confirmation(app, admin):
    admin.at(BEFORE_RELEASE)
    form = {**FORM, "name": "Spring 2027", "first_day": ["9", "3", "2027"], "length_days": "5"}
    page = admin.client.post("/admin/windows/new", data=form)
    assert page.status_code == 200
    assert "This window will be 5 days long. Assessment windows are normally 8 days." in page.text
    with app.app_context():
        assert AssessmentWindow.query.filter_by(name="Spring 2027").count() == 0
    plan = re.search(r'name="confirmed_plan" type="hidden" value="([0-9a-f]+)"', page.text).group(1)
    saved = admin.client.post("/admin/windows/new",
                              data={**form, "confirm_changes": "y", "confirmed_plan": plan})
    assert saved.status_code == 302
    with app.app_context():
        assert AssessmentWindow.query.filter_by(name="Spring 2027").one().length_days == 5


def test_creating_an_8_day_window_needs_no_confirmation(app, admin):
    admin.at(BEFORE_RELEASE)
    form = {**FORM, "name": "Spring 2027", "first_day": ["9", "3", "2027"]}
    assert admin.client.post("/admin/windows/new", data=form).status_code == 302


def test_changing_the_length_to_other_than_8_before_release_asks_for_confirmation(app, admin):
    admin.at(BEFORE_RELEASE)
    page = admin.edit(length_days="7")
    assert "This window will be 7 days long" in page.text
    assert admin.confirm(page, length_days="7").status_code == 302
    with app.app_context():
        assert admin.window().length_days == 7
    assert not _mail(app)  # before release nobody has started: no email


def test_the_engagement_deadline_is_kept_on_save_but_cannot_move_after_release(app, admin):
    """Saving the form as shown keeps the engagement deadline; moving it is refused."""
    admin.at(BEFORE_RELEASE)
    assert admin.edit(engagement_deadline=["10", "11", "2026"]).status_code == 302
    admin.at(RELEASED)
    kept = admin.edit(name="Autumn 2026 (all)", engagement_deadline=["10", "11", "2026"])
    assert kept.status_code == 302
    moved = admin.edit(engagement_deadline=["12", "11", "2026"])
    assert "The engagement deadline cannot change after the case study is released: it was " \
           "11:59pm on Tuesday 10 November 2026" in moved.text


def test_bringing_the_release_forward_to_now_is_confirmed_first(app, admin):
    """Two days before release, day 1 moved to yesterday: the case study would go out on
    saving, so the page says so, naming the two participants entered, and saves only once
    confirmed."""
    admin.at(datetime(2026, 11, 22, 9, tzinfo=UTC))
    asked = admin.edit(first_day=["21", "11", "2026"])
    assert asked.status_code == 200
    assert ("The case study will be released as soon as you save, not at 12:01am on Tuesday "
            "24 November 2026: 2 participants entered can read it straight away.") in asked.text
    with app.app_context():
        assert admin.window().first_day == date(2026, 11, 24)
    assert admin.confirm(asked, first_day=["21", "11", "2026"]).status_code == 302
    with app.app_context():
        assert admin.window().first_day == date(2026, 11, 21)
