"""Links to set a password: single use (even when two requests race), 48 hours, void once a
newer link is sent or the password changes by any route."""

from datetime import timedelta

import pytest
from factories import login
from people.test_people import HEADER, NOW, link_in
from together import at_once, hold_after

from assessment_app.extensions import db
from assessment_app.models import User
from assessment_app.services import accounts

NEW = {"password": "a long pass phrase", "confirm": "a long pass phrase"}


@pytest.fixture
def sam_link(app, admin, upload):
    """Sam, just imported, and the path of the link emailed to set a first password."""
    upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,NPQLTD,,,\n")
    return link_in(app, "sam@example.org")


def ask_for_a_link(app):
    app.test_client().post("/password/forgot", data={"email": "sam@example.org"})
    return link_in(app, "sam@example.org")


def test_a_link_sets_a_password_once(app, sam_link):
    assert app.test_client().post(sam_link, data=NEW).status_code == 302
    again = app.test_client().post(sam_link, data={"password": "another long phrase",
                                                   "confirm": "another long phrase"})
    assert again.status_code == 404 and "expired or has already been used" in again.text
    assert login(app.test_client(), "sam@example.org", NEW["password"]).status_code == 302


def test_a_link_works_until_the_last_second_of_its_48_hours(app, sam_link, clock):
    clock.at(NOW + timedelta(hours=48, seconds=-1))
    assert app.test_client().get(sam_link).status_code == 200
    clock.at(NOW + timedelta(hours=48))
    assert app.test_client().get(sam_link).status_code == 404


def test_a_newer_link_voids_the_older_one(app, sam_link):
    """Asking again (a lost email, say) leaves only the newest link working."""
    newer = ask_for_a_link(app)
    assert newer != sam_link
    assert app.test_client().get(sam_link).status_code == 404
    assert app.test_client().post(sam_link, data=NEW).status_code == 404
    assert app.test_client().post(newer, data=NEW).status_code == 302


def test_a_password_change_by_any_route_voids_links_made_before_it(app, sam_link):
    """Sam asks for a reset link, then the password changes another way (here directly, as a
    console or a future settings page would): the reset link no longer works."""
    app.test_client().post(sam_link, data=NEW)
    reset = ask_for_a_link(app)
    assert app.test_client().get(reset).status_code == 200
    with app.app_context():
        User.query.filter_by(email="sam@example.org").one().set_password("changed elsewhere ok")
        db.session.commit()
    assert app.test_client().get(reset).status_code == 404
    assert app.test_client().post(reset, data=NEW).status_code == 404
    assert login(app.test_client(), "sam@example.org", "changed elsewhere ok").status_code == 302


def test_a_deactivated_account_s_link_does_not_work(app, sam_link):
    with app.app_context():
        User.query.filter_by(email="sam@example.org").one().active = False
        db.session.commit()
    assert app.test_client().get(sam_link).status_code == 404


def test_two_requests_racing_with_one_link_set_one_password(app, sam_link, monkeypatch):
    """Both requests find the link valid before either uses it; only one may set a password,
    on its own connection, and the other is told the link has been used."""
    hold_after(monkeypatch, accounts, "valid_token")
    passwords = ["first racing phrase", "second racing phrase"]
    answers = at_once(lambda i: app.test_client().post(
        sam_link, data={"password": passwords[i], "confirm": passwords[i]}))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200, 302]
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert "expired or has already been used" in refused.text
    winner = passwords[[a.status_code for a in answers].index(302)]
    assert login(app.test_client(), "sam@example.org", winner).status_code == 302

