"""Static files through WhiteNoise: fingerprinted names, gzip copies, never a stale copy."""

import gzip
import os

from flask import Flask, url_for

from assessment_app import static_assets


def static_app(root):
    app = Flask(__name__, static_folder=str(root), static_url_path="/static")
    static_assets.register(app)
    return app


def test_a_fingerprint_is_the_files_hash_before_its_extension():
    assert static_assets.fingerprinted("js/init.js", b"x") == "js/init.2d711642b726.js"
    assert static_assets.fingerprinted("govuk/frontend.min.js", b"x") == "govuk/frontend.min.2d711642b726.js"
    assert static_assets.fingerprinted("LICENSE", b"x") == "LICENSE.2d711642b726"


def test_pages_link_the_fingerprinted_name_which_is_kept_for_ever(tmp_path):
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "app.js").write_text("console.log('hello');")
    app = static_app(tmp_path)
    with app.test_request_context():
        url = url_for("static", filename="js/app.js")
        folder = url_for("static", filename="js")  # not a file: left as it is
    assert url == "/static/" + static_assets.fingerprinted("js/app.js", b"console.log('hello');")
    assert folder == "/static/js"
    with app.test_client().get(url) as response:
        assert response.status_code == 200 and response.text == "console.log('hello');"
        assert "immutable" in response.headers["Cache-Control"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.test_client().get("/static/js/app.js") as plain:
        assert plain.headers["Cache-Control"] == "max-age=0, public"


def test_a_gzip_copy_is_sent_to_browsers_that_accept_it(tmp_path):
    css = "body { margin: 0; } " * 200
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "app.css").write_text(css)
    (root / "css" / "app.css.gz").write_bytes(gzip.compress(css.encode()))
    client = static_app(root).test_client()
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, br"}) as zipped:
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data).decode() == css
        assert len(zipped.data) < len(css) / 10
    with client.get("/static/css/app.css") as plain:
        assert "Content-Encoding" not in plain.headers


def test_a_gzip_copy_older_than_its_file_is_never_sent(tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "app.js").write_text("new();" * 100)
    (root / "app.js.gz").write_bytes(gzip.compress(b"old();" * 100))
    os.utime(root / "app.js.gz", (1_000_000, 1_000_000))  # written before the file changed
    with static_app(root).test_client().get("/static/app.js", headers={"Accept-Encoding": "gzip"}) as response:
        assert "Content-Encoding" not in response.headers
        assert response.text == "new();" * 100
