"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock, conftest.py):
the code flow with PKCE, state and nonce; every bad token refused; accounts matched by
verified email, then by subject, never created; sign-out at the provider too."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from factories import PASSWORD, login, make_entry, make_user, make_window
from moments import DURING
from sign_in.conftest import CLIENT_ID, MOCK_PROVIDER_WARNING, new_key, s256, sso_sign_in, start

from assessment_app.attempt_status import HEADLINE
from assessment_app.attempts import AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Role, User
from assessment_app.services import second_factor

pytestmark = [
    pytest.mark.usefixtures("people"),
    # The mock provider (server side, in its thread) calls an Authlib server API that Authlib
    # has deprecated; the app's own client code raises no warning.
    pytest.mark.filterwarnings(MOCK_PROVIDER_WARNING),
]


def _user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _refusals(app) -> list[dict]:
    with app.app_context():
        return [e.detail for e in AuditEvent.query.filter_by(action="user.sign_in_failed")]


def test_the_sign_in_page_offers_the_identity_service(sso_app):
    page = sso_app.test_client().get("/login").text
    assert "Sign in with Example IdP" in page and 'href="/login/sso"' in page


def test_the_code_flow_signs_in_the_account_with_that_verified_email(sso_app, provider):
    """The whole flow: PKCE (S256), state and nonce sent; the account linked to the subject."""
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    client = sso_app.test_client()
    answer = sso_sign_in(client, provider, "ann-at-idp")
    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    sent = provider.authorize_requests[-1]
    assert sent["client_id"] == [CLIENT_ID] and sent["response_type"] == ["code"]
    assert "openid" in sent["scope"][0].split() and sent["state"] and sent["nonce"]
    # The mock (0.3.4, the last for Python 3.11) does not check PKCE itself, so the test
    # checks what went over the wire: the verifier at the token endpoint is the challenge's.
    assert sent["code_challenge_method"] == ["S256"]
    verifier = provider.token_requests[-1]["code_verifier"][0]
    assert s256(verifier) == sent["code_challenge"][0]
    ann = _user(sso_app, "ann@example.org")
    assert (ann.oidc_issuer, ann.oidc_subject) == (provider.url, "ann-at-idp")


def test_once_linked_the_subject_finds_the_account_whatever_its_email(sso_app, provider):
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    sso_sign_in(sso_app.test_client(), provider, "ann-at-idp")
    provider.set_user("ann-at-idp", email="ann.married@example.org", email_verified=True)
    answer = sso_sign_in(sso_app.test_client(), provider, "ann-at-idp")
    assert answer.headers["Location"] == "/admin/"


def test_a_participant_signs_in_like_with_a_password(sso_app, provider):
    provider.set_user("sam-at-idp", email="Sam@Example.org", email_verified=True)
    answer = sso_sign_in(sso_app.test_client(), provider, "sam-at-idp")
    assert answer.headers["Location"] == "/assessments/"


def test_entra_ids_verified_domain_claim_counts_as_verified(sso_app, provider):
    """Entra ID sends no email_verified; its optional claim xms_edov vouches for the email."""
    provider.set_user("ann-at-entra", email="ann@example.org", xms_edov=True)
    answer = sso_sign_in(sso_app.test_client(), provider, "ann-at-entra")
    assert answer.headers["Location"] == "/admin/"


@pytest.mark.parametrize("outcome", [AttemptOutcome.DEFERRED, AttemptOutcome.WITHDRAWN])
def test_a_deferred_or_withdrawn_participant_signs_in_as_with_a_password(sso_app, provider,
                                                                         clock, outcome):
    """Single sign-on looks at no entry: the participant reaches the same page, saying what
    happened to the attempt, by either way in."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with sso_app.app_context():
        sam = db.session.scalar(db.select(User).where(User.email == "sam@example.org"))
        entry = make_entry(make_window(), sam)
        entry.outcome, entry.completed_at = outcome, clock.at(DURING)
        db.session.commit()
    provider.set_user("sam-at-idp", email="sam@example.org", email_verified=True)
    by_sso, by_password = sso_app.test_client(), sso_app.test_client()
    assert sso_sign_in(by_sso, provider, "sam-at-idp").headers["Location"] == "/assessments/"
    assert login(by_password, "sam@example.org").headers["Location"] == "/assessments/"
    for client in (by_sso, by_password):
        assert HEADLINE[outcome] in client.get("/assessments/").text


def test_an_unknown_email_creates_no_account(sso_app, provider):
    provider.set_user("stranger", email="nobody@example.org", email_verified=True)
    with sso_app.app_context():
        before = User.query.count()
    answer = sso_sign_in(sso_app.test_client(), provider, "stranger")
    assert answer.status_code == 400
    assert "There is no account for that email address here" in answer.text
    with sso_app.app_context():
        assert User.query.count() == before
    assert _refusals(sso_app)[-1]["reason"] == "no such account"


@pytest.mark.parametrize("claims", [{"email": "ann@example.org"},
                                    {"email": "ann@example.org", "email_verified": False},
                                    {"email": "ann@example.org", "xms_edov": False},
                                    {"email": "ann@example.org", "email_verified": "true"}])
def test_an_unverified_email_matches_nobody(sso_app, provider, claims):
    provider.set_user("ann-unverified", **claims)
    client = sso_app.test_client()
    answer = sso_sign_in(client, provider, "ann-unverified")
    assert answer.status_code == 400 and "no verified email address" in answer.text
    assert client.get("/admin/").status_code == 302
    assert _user(sso_app, "ann@example.org").oidc_subject is None


def test_a_second_identity_cannot_take_a_linked_account(sso_app, provider):
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    sso_sign_in(sso_app.test_client(), provider, "ann-at-idp")
    provider.set_user("impostor", email="ann@example.org", email_verified=True)
    answer = sso_sign_in(sso_app.test_client(), provider, "impostor")
    assert answer.status_code == 400 and "linked to another sign-in" in answer.text


def test_a_deactivated_account_is_refused(sso_app, provider):
    with sso_app.app_context():
        db.session.scalar(db.select(User).where(User.email == "ann@example.org")).active = False
        db.session.commit()
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    answer = sso_sign_in(sso_app.test_client(), provider, "ann-at-idp")
    assert answer.status_code == 400 and "has been closed" in answer.text


@pytest.mark.parametrize("alter, why", [
    ({"iss": "https://login.example.com/another-tenant"}, "another issuer"),
    ({"aud": "some-other-app"}, "another client's token"),
    ({"nonce": "not-the-one-we-sent"}, "another sign-in's nonce"),
])
def test_a_token_with_a_wrong_claim_is_refused(sso_app, provider, alter, why):
    """The mock signs only good tokens, so its token endpoint's answer is re-signed with the
    mock's own key and one claim changed (conftest.py): the signature checks out, the claim
    must not."""
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    provider.alter = alter
    client = sso_app.test_client()
    answer = sso_sign_in(client, provider, "ann-at-idp")
    assert answer.status_code == 400, why
    assert "We could not check your sign-in" in answer.text
    assert client.get("/admin/").status_code == 302
    assert _user(sso_app, "ann@example.org").oidc_subject is None
    assert _refusals(sso_app)[-1]["reason"].startswith("token refused")


def test_an_expired_token_is_refused(sso_app, provider, clock):
    """Re-signed (as above) to have expired an hour before the clock's now, well past
    Authlib's two minutes' leeway for clocks that differ; the mock runs on the same clock."""
    now = clock.at(datetime(2026, 12, 6, 9, tzinfo=UTC))
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    provider.alter = {"iat": int((now - timedelta(hours=2)).timestamp()),
                      "exp": int((now - timedelta(hours=1)).timestamp())}
    client = sso_app.test_client()
    answer = sso_sign_in(client, provider, "ann-at-idp")
    assert answer.status_code == 400 and "We could not check your sign-in" in answer.text
    assert client.get("/admin/").status_code == 302


def test_a_token_signed_with_another_key_is_refused(sso_app, provider):
    """Re-signed with a key the issuer's JWKS does not hold, claims untouched."""
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    provider.sign_with = new_key()
    answer = sso_sign_in(sso_app.test_client(), provider, "ann-at-idp")
    assert answer.status_code == 400


def test_a_replayed_answer_is_refused(sso_app, provider):
    """The provider's redirect back (code and state) works once, in the browser that started
    the sign-in: replayed in another browser, or again in the same one, it signs nobody in."""
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    client = sso_app.test_client()
    callback = provider.approve(start(client, provider), "ann-at-idp")
    thief = sso_app.test_client()
    assert thief.get(callback).status_code == 400
    assert thief.get("/admin/").status_code == 302
    assert client.get(callback).status_code == 302  # the owner's first use
    client.post("/logout")
    assert client.get(callback).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_state_from_another_sign_in_is_refused(sso_app, provider):
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    client = sso_app.test_client()
    callback = urlsplit(provider.approve(start(client, provider), "ann-at-idp"))
    query = parse_qs(callback.query)
    forged = f"{callback.path}?code={query['code'][0]}&state=made-up"
    assert client.get(forged).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_discovery_document_naming_another_issuer_is_refused(sso_app, provider):
    """The configured issuer must be the one the discovery document names (Discovery 4.3).
    The mock names itself after the Host it is asked with, so it is asked as another host."""
    provider.host = "idp.example.net"
    answer = sso_app.test_client().get("/login/sso")
    assert answer.status_code == 400 and "We could not check your sign-in" in answer.text
    assert provider.authorize_requests == []


def test_sign_out_ends_the_session_here_and_at_the_provider(sso_app, provider):
    """RP-initiated logout: the app ends every session of the account, then sends the browser
    to the provider's end_session_endpoint with the ID token, which sends it back."""
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    client = sso_app.test_client()
    sso_sign_in(client, provider, "ann-at-idp")
    answer = client.post("/logout")
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        provider.url + "/oauth2/end_session"
    query = parse_qs(location.query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/admin/").status_code == 302
    # At the provider: its confirmation page, whose button sends the browser back here.
    confirm = requests.post(f"{provider.url}/oauth2/end_session/confirm",
                            data={"redirect_uri": query["post_logout_redirect_uri"][0]},
                            allow_redirects=False, timeout=5)
    assert confirm.headers["Location"] == "http://localhost/login"


def test_a_password_sign_out_stays_here(sso_app):
    with sso_app.app_context():
        email = make_user(Role.MARKER).email
    client = sso_app.test_client()
    login(client, email)
    assert client.post("/logout").headers["Location"] == "/login"


def test_a_role_that_requires_single_sign_on_cannot_use_a_password(sso_app, provider):
    with sso_app.app_context():
        admin = db.session.scalar(db.select(User).where(User.email == "ann@example.org"))
        second_factor.set_rule(Role.ADMIN, second_factor=False, single_sign_on=True, by=admin)
        db.session.commit()
    client = sso_app.test_client()
    refused = login(client, "ann@example.org", PASSWORD)
    assert refused.status_code == 200 and "signs in with your organisation" in refused.text
    assert client.get("/admin/").status_code == 302
    # Participants are never held to it: the rule is for staff roles.
    assert login(sso_app.test_client(), "sam@example.org").headers["Location"] == \
        "/assessments/"
    provider.set_user("ann-at-idp", email="ann@example.org", email_verified=True)
    assert sso_sign_in(client, provider, "ann-at-idp").headers["Location"] == "/admin/"
