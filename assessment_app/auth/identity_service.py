"""The OpenID Connect client for the provider's identity service (Entra ID, Google Workspace
or any issuer), configured by OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET; with no
issuer set, single sign-on is off and the sign-in page shows only passwords."""

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

NAME = "identity_service"


def init_app(app: Flask) -> None:
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        # PKCE as well as the client secret: a code seen on its way back is of no use alone.
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "timeout": 10},
    )
    app.extensions[NAME] = oauth


def enabled() -> bool:
    return NAME in current_app.extensions


def client():
    return current_app.extensions[NAME].create_client(NAME)


def issuer() -> str:
    return current_app.config["OIDC_ISSUER"]


def claims_options() -> dict:
    """The ID token must come from the configured issuer, for this client, with a subject
    (Authlib checks signature, expiry, issue time and nonce as well)."""
    return {"iss": {"essential": True, "value": issuer()},
            "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
            "sub": {"essential": True}}


def metadata() -> dict:
    """The issuer's discovery document, refused unless it names the configured issuer (OpenID
    Connect Discovery 4.3), so a document served elsewhere cannot vouch for another issuer."""
    document = client().load_server_metadata()
    if document.get("issuer") != issuer():
        raise ValueError("the discovery document names another issuer")
    return document
