"""A client for the calls we make to the DfE's NPQ lead-provider API v3 (openapi/).

The bearer token is held in the client only: it goes in the Authorization header and nowhere
else (never in a URL, a log line, a repr or an exception's message), so an error shown to an
admin or written to the log cannot leak it.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Self

import httpx

PER_PAGE = 100  # the DfE's default page size; its maximum is 3000
MAX_PAGES = 1000  # a server that never sends a short page cannot keep us looping


class DfeError(Exception):
    """A call the DfE refused or that never reached it: `status` (None when no answer came)
    and `detail`, the DfE's own error text, for the admin."""

    def __init__(self, status: int | None, detail: str):
        self.status, self.detail = status, detail
        super().__init__(f"{status} {detail}" if status else detail)

    @property
    def answered(self) -> bool:
        """True when the DfE answered with a client error (4xx), so the call had no effect;
        False when it may have been done (no answer, or a server error)."""
        return self.status is not None and 400 <= self.status < 500


def api_time(instant: datetime) -> str:
    """An instant as the DfE writes them: ISO 8601 in UTC, to the second, with a Z."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DfeClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 20.0,
                 transport: httpx.BaseTransport | None = None, per_page: int = PER_PAGE):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.per_page = per_page

    def __repr__(self) -> str:
        return f"DfeClient({str(self._http.base_url)!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def participants(self, updated_since: datetime | None = None) -> Iterator[dict]:
        """Every NPQ participant (updated since that instant, if given), page by page."""
        query = {"filter[updated_since]": api_time(updated_since)} if updated_since else {}
        yield from self._pages("/api/v3/participants/npq", query)

    def declare_completed(self, participant_id: str, course_identifier: str,
                          declaration_date: datetime, has_passed: bool) -> dict:
        """POST a `completed` declaration; the DfE's declaration (id, attributes)."""
        body = {"data": {"type": "participant-declaration", "attributes": {
            "participant_id": participant_id, "declaration_type": "completed",
            "declaration_date": api_time(declaration_date),
            "course_identifier": course_identifier, "has_passed": has_passed}}}
        return self._call("POST", "/api/v3/participant-declarations", json=body)["data"]

    def void_declaration(self, declaration_id: str) -> dict:
        return self._call("PUT", f"/api/v3/participant-declarations/{declaration_id}/void")["data"]

    def declaration(self, declaration_id: str) -> dict:
        return self._call("GET", f"/api/v3/participant-declarations/{declaration_id}")["data"]

    def declarations(self, participant_id: str) -> list[dict]:
        """The participant's declarations, to find one whose sending went unrecorded."""
        return list(self._pages("/api/v3/participant-declarations",
                                {"filter[participant_id]": participant_id}))

    def outcomes(self, participant_id: str) -> list[dict]:
        """The outcomes the DfE holds for one participant."""
        return list(self._pages(f"/api/v3/participants/npq/{participant_id}/outcomes", {}))

    def _pages(self, path: str, query: dict) -> Iterator[dict]:
        for page in range(1, MAX_PAGES + 1):
            data = self._call("GET", path, params=query | {
                "page[page]": page, "page[per_page]": self.per_page})["data"]
            yield from data
            if len(data) < self.per_page:
                return

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:  # its text names the URL, never the headers
            raise DfeError(None, f"The DfE could not be reached: {type(error).__name__}: "
                                 f"{error}") from None
        if not response.is_success:
            raise DfeError(response.status_code, _error_text(response))
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "data" not in body:
            raise DfeError(response.status_code, "The DfE's answer had no data in it.")
        return body


def _error_text(response: httpx.Response) -> str:
    """The DfE's own words: `error`, or each of `errors` as "title: detail"."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "No reason given."
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        return "; ".join(
            ": ".join(str(e[k]) for k in ("title", "detail") if isinstance(e, dict) and e.get(k))
            or str(e) for e in body["errors"])[:1000]
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])[:1000]
    return response.reason_phrase or "No reason given."
