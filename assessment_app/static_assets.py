"""Static files: URLs carry a hash of the file, so browsers may keep them for a year."""

import hashlib
from pathlib import Path

from flask import Flask, request

# A versioned URL names one file's content for ever, so it may be cached as long as browsers allow.
VERSIONED_MAX_AGE = 365 * 24 * 3600


def register(app: Flask) -> None:
    versions: dict[str, str | None] = {}

    def version_of(filename: str) -> str | None:
        # Static files change only with a deployment (a restart), so each is hashed once.
        if filename not in versions:
            path = Path(app.static_folder) / filename
            versions[filename] = (hashlib.sha256(path.read_bytes()).hexdigest()[:12]
                                  if path.is_file() else None)
        return versions[filename]

    @app.url_defaults
    def _versioned_static_urls(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = version_of(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_versioned_static(response):
        # Unversioned static URLs (fonts and images named inside the CSS) keep Flask's default:
        # revalidated with their ETag, so a deployment is seen at once.
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = VERSIONED_MAX_AGE
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
            response.expires = None
        return response
