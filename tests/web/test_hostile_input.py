"""Hostile input on every route: for each route and method in app.url_map, as each role (not
signed in, participant, marker, moderator, admin), in the world of test_role_by_route, every
form field and query parameter the app reads is sent hostile values: NUL and other controls,
line and paragraph separators, combining marks, 100 KB runs, numbers out of range, paths, and
as multipart with fields missing, repeated, named in invalid UTF-8 and a file named in it.
No answer may be a server error, and none may take more than RATIO times an ordinary request
to the same route (a ratio, never an absolute time; a slow answer is timed twice more and the
fastest judged, so a pause of a busy machine is not counted). A deterministic table rather
than random examples, so a failure names its route and value and the suite stays fast.
"""

import re
from html.parser import HTMLParser

import pytest
from factories import PASSWORD, login
from flask import url_for
from flask_wtf import FlaskForm
from marking.conftest import AFTER_CLOSE
from own_time import own_seconds
from web.test_role_by_route import ID_OVERRIDES, SIGN_IN, ids_for, world  # noqa: F401
from wtforms.fields.core import UnboundField

from assessment_app.extensions import db
from assessment_app.services import heartbeat
from assessment_app.settings import PROJECT_ROOT

ROLES = ("anonymous", "participant", "marker", "moderator", "admin")
RATIO = 20
FLOOR = 0.05  # an ordinary request is counted as taking at least this long (seconds)
SLOW_RETRIES = 2  # a slow answer is timed again; the fastest of the three is judged
RUN = 100_000
HOSTILE = [
    "\x00", "a\x00b", "\x01\x08\x0b\x0c\x1b\x7f\x85\x9f", "line\u2028para\u2029", "\r\n\r\nX: y",
    "e" + "\u0301" * 500, "-1", "99999999999999999999999", "0x10", "1e309", "NaN",
    "../../etc/passwd", "%00%0d%0a", "2026-02-30", "31 13 2026", "<script>x</script>",
    "' OR 1=1 --", "\u202egpj.exe", "\ufeff", "",
]
# One field of each request gets a 100 KB run, in turn.
RUNS = [" " * RUN, "w“" * (RUN // 2), "\x00" * RUN, "a-" * (RUN // 2), "\n" * RUN]


def _form_field_names() -> set[str]:
    """Every field of every form the app defines, and every name a view reads directly."""
    names, forms = set(), [FlaskForm]
    while forms:
        form = forms.pop()
        forms += form.__subclasses__()
        for klass in form.__mro__:
            names |= {n for n, v in vars(klass).items() if isinstance(v, UnboundField)}
    for path in (PROJECT_ROOT / "assessment_app").rglob("*.py"):
        names |= set(re.findall(r"request\.(?:args|form|values)\.get(?:list)?\(\s*\"([^\"]+)\"",
                                path.read_text()))
    return names


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "textarea", "select", "button") and name:
            self.names.add(name)


def _page_inputs(html: str) -> set[str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.names - {"csrf_token"}


def _multipart(fields: list[str], value: str, run: str) -> tuple[bytes, str]:
    """Each field twice (once with a 100 KB run), a field named and a file named in invalid
    UTF-8, and a file field with no name at all."""
    boundary = "fuzzboundary"
    parts = []
    for name in fields:
        for one in (value, run[:200]):
            parts.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                         + one.encode("utf-8", "surrogatepass") + b"\r\n")
    parts.append(b'Content-Disposition: form-data; name="\xff\xfe\xc3("\r\n\r\n\xff\xfe\r\n')
    for name in ("evidence", "document", "file", "\xff"):
        parts.append(f'Content-Disposition: form-data; name="{name}"; '.encode()
                     + b'filename="\xff\xfe\r.docx"; filename*=UTF-8\'\'%FF%0D%0A%00.pdf\r\n'
                     + b"Content-Type: application/octet-stream\r\n\r\nPK\x03\x04\x00\r\n")
    body = b"".join(f"--{boundary}\r\n".encode() + p for p in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _urls(app, world, who):  # noqa: F811
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    with app.test_request_context():
        for rule in rules:
            if rule.endpoint == "static":
                continue
            values = ids_for(world, "admin" if who == "anonymous" else who) | {
                k: world[v] for k, v in ID_OVERRIDES.get(rule.endpoint, {}).items()}
            url = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments})
            yield rule.endpoint, url, sorted(rule.methods - {"HEAD", "OPTIONS"})


def _timed(client, method, url, **kwargs):
    started = own_seconds()
    response = client.open(url, method=method, buffered=True, **kwargs)
    response.close()
    return response.status_code, own_seconds() - started, response


@pytest.mark.parametrize("who", ROLES)
def test_no_route_fails_or_stalls_on_hostile_input(app, world, clock, migrated, who):  # noqa: F811
    """One role per test, so the walk is spread over the suite's workers; each role's walk
    starts at the turn it had when one test walked them all, so it sends the same values."""
    clock.at(AFTER_CLOSE)
    with app.app_context():  # ready, as /readyz sees it: any 503 here is the input's doing
        heartbeat.beat("the fuzz's scheduler", AFTER_CLOSE)
        db.session.commit()
    known = sorted(_form_field_names())
    failures = []
    turn = 2 * sum(len(methods) for earlier in ROLES[:ROLES.index(who)]
                   for _, _, methods in _urls(app, world, earlier))
    client = app.test_client()
    if who != "anonymous":
        login(client, SIGN_IN[who], PASSWORD)
    for endpoint, url, methods in _urls(app, world, who):
        fields = set(known)
        if "GET" in methods:
            status, ordinary, response = _timed(client, "GET", url)
            if status == 200 and response.mimetype == "text/html":
                fields |= _page_inputs(response.get_data(as_text=True))
        for method in methods:
            if method != "GET":
                _, ordinary, _ = _timed(client, method, url, data={})
            names = sorted(fields)
            for attempt in range(2):
                turn += 1
                value = HOSTILE[turn % len(HOSTILE)]
                run = RUNS[turn % len(RUNS)]
                params = {n: value for n in names[:60]}
                params[names[turn % len(names)]] = run
                if method == "GET":
                    kwargs = {"query_string": params if attempt == 0 else
                              [(n, v) for n in params for v in (value, run[:100])]}
                elif attempt == 0:
                    kwargs = {"data": {n: value for n in names} | {
                        names[turn % len(names)]: run}}
                else:
                    body, kind = _multipart(names, value, run)
                    kwargs = {"data": body, "content_type": kind}
                status, taken, _ = _timed(client, method, url, **kwargs)
                for _again in range(SLOW_RETRIES):
                    # A pause of a busy machine is once; input that makes work is every time.
                    if status >= 500 or taken <= RATIO * max(ordinary, FLOOR):
                        break
                    taken = min(taken, _timed(client, method, url, **kwargs)[1])
                if status >= 500 or taken > RATIO * max(ordinary, FLOOR):
                    failures.append(f"{who} {method} {endpoint} ({value!r}, attempt "
                                    f"{attempt}): {status} in {taken:.2f}s, ordinary "
                                    f"{ordinary:.2f}s")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("value", ["\x00", "a\x00b@example.org"])
def test_sign_in_and_password_reset_with_a_nul_answer_normally(app, value):
    """On PostgreSQL a NUL in the email made both a server error."""
    client = app.test_client()
    assert client.post("/login", data={"email": value, "password": "x\x00"}).status_code < 500
    assert client.post("/password/forgot", data={"email": value}).status_code < 500
