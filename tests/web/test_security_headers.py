"""Every page carries a strict content security policy and is never cached."""


def test_pages_have_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_inline_script_carries_the_csp_nonce(client):
    response = client.get("/login")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.text


def test_a_response_with_no_page_mints_no_nonce(app, journey, clock):
    """A redirect or an autosave's JSON runs no script: its policy allows only this site's."""
    from moments import DURING

    journey.at(DURING)
    for response in (journey.client.post(journey.url("/draft"), data={"text": "Saved."}),
                     journey.submit("Submitted.", token="one")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "nonce" not in csp
