"""The limiter only runs on the pages that have limits: every limit is on a page of the auth
blueprint, and the limiter's hooks run for that blueprint's requests only
(extensions.limit_only_the_limited_pages)."""

import re
from pathlib import Path

from assessment_app.extensions import LIMITED_BLUEPRINT, limiter

PACKAGE = Path(__file__).parents[2] / "assessment_app"


def test_every_rate_limit_is_declared_in_the_auth_blueprint():
    """A limit declared anywhere else would never be checked."""
    declaring = {path.relative_to(PACKAGE).parts[0] for path in PACKAGE.rglob("*.py")
                 if re.search(r"limiter\.limit\(|per_account_and_address\(", path.read_text())}
    assert declaring == {LIMITED_BLUEPRINT}


def test_only_the_auth_pages_run_the_limiters_hooks(app, monkeypatch):
    """Its check runs for a sign-in and a password link, and for nothing else."""
    checked = []
    hooks = app.before_request_funcs
    assert limiter._check_request_limit in hooks[LIMITED_BLUEPRINT]
    assert limiter._check_request_limit not in hooks[None]
    monkeypatch.setitem(hooks, LIMITED_BLUEPRINT, [
        (lambda: checked.append(True)) if hook == limiter._check_request_limit else hook
        for hook in hooks[LIMITED_BLUEPRINT]])
    client = app.test_client()
    for path, runs in (("/login", True), ("/password/some-token", True),
                       ("/assessments/", False), ("/marking/", False), ("/admin/", False)):
        checked.clear()
        client.get(path)
        assert checked == ([True] if runs else []), path


def test_the_set_password_page_is_still_limited(app, client):
    """200 a minute from one address: the 201st gets 429."""
    answers = [client.get("/password/no-such-token").status_code for _ in range(201)]
    assert answers[:200] == [404] * 200 and answers[200] == 429


def test_a_page_outside_them_is_never_limited(app, client):
    """Far past any limit's count: no 429 (and no limiter headers) outside the auth pages."""
    answers = {client.get("/assessments/").status_code for _ in range(250)}
    assert 429 not in answers
