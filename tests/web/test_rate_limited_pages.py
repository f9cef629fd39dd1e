"""The limiter only looks at the pages that have limits: every limit is on a page of the auth
blueprint, and every other request skips the limiter (extensions.outside_the_limited_pages)."""

import re
from pathlib import Path

from assessment_app.extensions import outside_the_limited_pages

PACKAGE = Path(__file__).parents[2] / "assessment_app"


def test_every_rate_limit_is_declared_in_the_auth_blueprint():
    """A limit declared anywhere else would be skipped by the request filter."""
    declaring = {path.relative_to(PACKAGE).parts[0] for path in PACKAGE.rglob("*.py")
                 if re.search(r"limiter\.limit\(|per_account_and_address\(", path.read_text())}
    assert declaring == {"auth"}


def test_only_requests_outside_the_auth_pages_skip_the_limiter(app):
    for path, skipped in (("/login", False), ("/password/some-token", False),
                          ("/assessments/1/draft", True), ("/marking/", True)):
        with app.test_request_context(path, method="POST"):
            assert outside_the_limited_pages() is skipped, path


def test_the_set_password_page_is_still_limited(app, client):
    """200 a minute from one address: the 201st gets 429."""
    answers = [client.get("/password/no-such-token").status_code for _ in range(201)]
    assert answers[:200] == [404] * 200 and answers[200] == 429
