"""The sign-in pages of single sign-on and the staff second factor, in a browser: each page
checked by axe (WCAG 2.2 AA) and for reflow at 320 px, and the journey through them works."""

import re
import time

import pyotp
from factories import PASSWORD, make_user
from playwright.sync_api import expect

from assessment_app.auth import identity_service
from assessment_app.extensions import db
from assessment_app.models import Role, SignInRule


def test_a_marker_sets_up_an_app_then_signs_in_with_it(pages, app):
    """The sign-in page with its single sign-on button, the setup page (QR code and key), the
    recovery codes, the code prompt with an error, and the admin's sign-in rules page."""
    # The button shows once an issuer is configured; nothing here follows it to a provider
    # (tests/sign_in runs the whole flow against a real one).
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="npq-assessment",
                      OIDC_CLIENT_SECRET="secret", OIDC_PROVIDER_NAME="Example IdP")
    identity_service.init_app(app)
    with app.app_context():
        make_user(Role.MARKER, email="mark@example.org", name="Mark Marker")
        make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
        db.session.add(SignInRule(role=Role.MARKER, second_factor_required=True,
                                  single_sign_on_required=False))
        db.session.commit()
    page = pages.page
    pages.goto("/login", "sign-in with the single sign-on button")
    expect(page.get_by_role("button", name="Sign in with Example IdP")).to_be_visible()
    pages.sign_in("mark@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name="QR code")).to_be_visible()
    pages.check("second factor setup")
    secret = page.locator(".app-setup-key").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from the app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".app-recovery-codes li")).to_have_count(10)
    pages.check("recovery codes")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    expect(page).to_have_url(f"{pages.base_url}/marking/")
    page.get_by_role("button", name="Sign out").click()

    pages.sign_in("mark@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app")
    pages.check("second factor prompt")
    page.get_by_label("Code").fill("12345x")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile("^Error: Enter the code from your authenticator app"))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    pages.check("second factor prompt, wrong code")
    # The next step's code: the one typed at setup is spent, and a step ahead is still taken.
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{pages.base_url}/marking/")

    page = pages.new_person()
    pages.sign_in("admin@example.org", PASSWORD)
    pages.goto("/admin/sign-in", "sign-in rules")
    expect(page.get_by_label("Sign in only with Example IdP (no password)")).to_have_count(3)
    pages.assert_clean()
