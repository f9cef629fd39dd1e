"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock, on a
loopback port in a thread for the module, and an app configured to use it.

The mock is a real provider (discovery, authorization code flow, signed ID tokens, JWKS,
RP-initiated logout). Where it cannot be made to issue a bad token (another issuer or
audience, expired, a wrong nonce), `Provider.alter` has its token endpoint's own answer
re-signed with the mock's own key and the claims changed: the app still runs the whole flow
against the real server, and only the ID token's claims differ.
"""

import base64
import hashlib
import io
import json
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import flask
import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from factories import make_user
from joserfc import jwt
from joserfc.jwk import RSAKey

from assessment_app.auth import identity_service
from assessment_app.extensions import db
from assessment_app.models import Role

CLIENT_ID = "npq-assessment"
MOCK_PROVIDER_WARNING = r"ignore:get_jwt_config\(self, grant\) is deprecated:DeprecationWarning"


@dataclass
class Provider:
    """The running mock, what the app sent it, and the claims to change in its next token."""

    url: str
    key: object
    alter: dict = field(default_factory=dict)
    sign_with: object = None  # another key, for a token the issuer did not sign
    host: str | None = None  # the mock names itself by the Host it is asked with
    authorize_requests: list = field(default_factory=list)
    token_requests: list = field(default_factory=list)

    def set_user(self, sub: str, **claims) -> None:
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def approve(self, authorize_url: str, sub: str) -> str:
        """The person signs in at the provider as `sub`: the app's callback path and query."""
        answer = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False,
                               timeout=5)
        assert answer.status_code == 302, answer.text
        location = urlsplit(answer.headers["Location"])
        return f"{location.path}?{location.query}"


class _Recorder:
    """WSGI middleware around the mock: keeps the authorize and token requests the app sent,
    and re-signs the token endpoint's ID token with changed claims when a test asks."""

    def __init__(self, app, provider_ref):
        self.app, self.provider_ref = app, provider_ref

    def __call__(self, environ, start_response):
        provider = self.provider_ref[0]
        path = environ["PATH_INFO"]
        if path == "/oauth2/authorize":
            provider.authorize_requests.append(parse_qs(environ.get("QUERY_STRING", "")))
        if provider.host is not None:
            environ["HTTP_HOST"] = provider.host
        if path != "/oauth2/token":
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        provider.token_requests.append(parse_qs(body.decode()))
        environ["wsgi.input"] = io.BytesIO(body)
        captured = {}

        def keep(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        answer = b"".join(self.app(environ, keep))
        if (provider.alter or provider.sign_with) and captured["status"].startswith("200"):
            token = json.loads(answer)
            token["id_token"] = _resigned(token["id_token"], provider)
            answer = json.dumps(token).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(answer)))])
        return [answer]


def _resigned(id_token: str, provider: Provider) -> str:
    header_part, claims_part, _ = id_token.split(".")
    header = json.loads(_unpad(header_part))
    claims = json.loads(_unpad(claims_part)) | provider.alter
    return jwt.encode(header, claims, provider.sign_with or provider.key)


def _unpad(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@pytest.fixture(scope="module")
def provider_server():
    """The mock provider on a loopback port for the module's tests, stopped at the end."""
    mock = oidc_provider_mock.app(require_nonce=True)
    with mock.test_request_context():
        mock.preprocess_request()  # its storage, and so its signing key, is set per request
        key = RSAKey.import_key(flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
    ref = [None]
    server = werkzeug.serving.make_server("127.0.0.1", 0, _Recorder(mock, ref), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server, key, ref
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture
def provider(provider_server):
    server, key, ref = provider_server
    ref[0] = Provider(url=f"http://127.0.0.1:{server.server_port}", key=key)
    return ref[0]


@pytest.fixture
def sso_app(app, provider):
    """The test app with single sign-on through the mock provider."""
    app.config.update(OIDC_ISSUER=provider.url, OIDC_CLIENT_ID=CLIENT_ID,
                      OIDC_CLIENT_SECRET="a-client-secret", OIDC_PROVIDER_NAME="Example IdP")
    identity_service.init_app(app)
    return app


@pytest.fixture
def people(sso_app):
    """Ann (an admin) and Sam (a participant), entered by the admin; nobody linked yet."""
    with sso_app.app_context():
        make_user(Role.ADMIN, email="ann@example.org", name="Ann Admin")
        make_user(email="sam@example.org", name="Sam Taylor")
        db.session.remove()


def start(client, provider) -> str:
    """Press "Sign in with ...": where the app sends the browser (the provider's authorize)."""
    answer = client.get("/login/sso")
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"].startswith(provider.url + "/oauth2/authorize?")
    return answer.headers["Location"]


def sso_sign_in(client, provider, sub: str):
    """The whole flow: the app's answer to the provider's redirect back."""
    return client.get(provider.approve(start(client, provider), sub))


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(
        b"=").decode()


def new_key():
    return RSAKey.generate_key(2048)
