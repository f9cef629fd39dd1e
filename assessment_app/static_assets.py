"""Static files, served by WhiteNoise: fingerprinted names kept for a year, compressed copies.

Pages link each static file by a name carrying a hash of its content (`js/init.1a2b3c4d5e6f.js`),
so a browser or proxy may keep it for a year and a deployment is still seen at once. The plain
name (`js/init.js`, and the fonts and images named inside the CSS) is revalidated each time.
`make assets` writes gzip copies beside the files (`python -m whitenoise.compress`); WhiteNoise
sends one to browsers that accept it. A copy older than its file is never sent.
"""

import hashlib
import os
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

COMPRESSED = (".gz", ".br")


def fingerprinted(relative: str, content: bytes) -> str:
    """`js/init.js` -> `js/init.<first 12 hex digits of its SHA-256>.js`."""
    stem, dot, extension = relative.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{stem}.{digest}.{extension}" if dot and "/" not in extension else f"{relative}.{digest}"


def register(app: Flask) -> None:
    root = Path(app.static_folder)
    prefix = app.static_url_path.rstrip("/") + "/"
    files = {path.relative_to(root).as_posix(): path
             for path in sorted(root.rglob("*")) if path.is_file()}
    sources = {name: path for name, path in files.items() if not name.endswith(COMPRESSED)}
    # Static files change only with a deployment (a restart), so each is hashed once, here.
    names = {name: fingerprinted(name, path.read_bytes()) for name, path in sources.items()}
    forever = {prefix + name for name in names.values()}

    stats = {str(path): os.stat(path) for name, path in files.items()
             if not _stale_copy(name, files)}
    # max_age 0: a plain name is checked with its ETag every time; fingerprinted ones are kept.
    static = WhiteNoise(app.wsgi_app, max_age=0, allow_all_origins=False,
                        immutable_file_test=lambda _path, url: url in forever,
                        add_headers_function=_nosniff)
    for name, path in sources.items():
        for url in (prefix + name, prefix + names[name]):
            static.add_file_to_dictionary(url, str(path), stat_cache=stats)
    app.wsgi_app = static

    @app.url_defaults
    def _fingerprinted_static_urls(endpoint, values):
        if endpoint == "static" and values.get("filename") in names:
            values["filename"] = names[values["filename"]]


def _nosniff(headers, _path, _url) -> None:
    # These responses bypass Flask's after_request (security.py): the one header that matters
    # for a script or style is repeated here.
    headers["X-Content-Type-Options"] = "nosniff"


def _stale_copy(name: str, files: dict[str, Path]) -> bool:
    """A compressed copy written before its file last changed: sending it would serve old code."""
    if not name.endswith(COMPRESSED):
        return False
    source = files.get(name[:-3])
    return source is None or files[name].stat().st_mtime < source.stat().st_mtime
