"""A DfE that remembers, for the outbox's tests: declarations made and voided, outcomes, and
participants, answered as the DfE's service does (a declaration identical to a live one is
returned, not made again; voiding one voids its outcome). It always runs behind
ContractTransport, so everything it is sent and everything it answers is checked against the
DfE's published contract: it cannot drift from the real API's shapes. Prism, generated from
the same file, is the other side in test_prism.py."""

import json
import re
import uuid
from datetime import UTC, datetime

import httpx
from dfe.contract_transport import ContractTransport

from assessment_app.dfe.client import DfeClient

NOW = "2026-12-03T09:00:00Z"


def declaration(declaration_id: str, attributes: dict, created_at: str = NOW) -> dict:
    return {"id": declaration_id, "type": "participant-declaration", "attributes": {
        "participant_id": attributes["participant_id"], "declaration_type": "completed",
        "declaration_date": attributes["declaration_date"],
        "course_identifier": attributes["course_identifier"], "state": "submitted",
        "has_passed": str(attributes["has_passed"]).lower(), "updated_at": created_at,
        "created_at": created_at}}


def participant(dfe_id: str, name: str, email: str | None, course: str,
                status: str = "active", urn: str | None = "106286", earlier=()) -> dict:
    return {"id": dfe_id, "type": "npq-participant", "attributes": {
        "full_name": name, "updated_at": NOW,
        "npq_enrolments": [{
            "course_identifier": course, "npq_application_id": str(uuid.uuid4()),
            "eligible_for_funding": True, "training_status": status, "school_urn": urn,
            "targeted_delivery_funding_eligibility": False, "email": email,
            "created_at": "2025-09-01T10:00:00Z"}],
        "participant_id_changes": [{"from_participant_id": e, "to_participant_id": dfe_id,
                                    "changed_at": NOW} for e in earlier]}}


class FakeDfe:
    def __init__(self):
        self.declarations: dict[str, dict] = {}
        self.participants: list[dict] = []
        self.failures: list[httpx.Response] = []  # answered, in order, before anything else
        self.lose_answers = 0  # do the next calls, then fail as if the answer never came
        self.requests: list[httpx.Request] = []
        self.transport = ContractTransport(httpx.MockTransport(self.handle))

    def client(self, per_page: int = 100) -> DfeClient:
        return DfeClient("https://dfe.test", "secret-token-123", transport=self.transport,
                         per_page=per_page)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            return self.failures.pop(0)
        response = self._answer(request)
        if self.lose_answers:
            self.lose_answers -= 1
            raise httpx.ReadTimeout("the answer never came", request=request)
        return response

    def live(self) -> list[dict]:
        return [d for d in self.declarations.values() if d["attributes"]["state"] != "voided"]

    def _answer(self, request: httpx.Request) -> httpx.Response:
        path, method = request.url.path, request.method
        if (method, path) == ("POST", "/api/v3/participant-declarations"):
            attributes = json.loads(request.content)["data"]["attributes"]
            same = next((d for d in self.live() if all(
                d["attributes"][k] == attributes[k] for k in
                ("participant_id", "course_identifier", "declaration_date"))), None)
            if same is None:
                made = f"2026-12-03T09:{len(self.declarations):02d}:00Z"  # in order
                same = declaration(str(uuid.uuid4()), attributes, made)
                self.declarations[same["id"]] = same
            return httpx.Response(200, json={"data": same})
        if method == "GET" and path == "/api/v3/participant-declarations":
            wanted = request.url.params.get("filter[participant_id]")
            return httpx.Response(200, json={"data": [
                d for d in self.declarations.values()
                if d["attributes"]["participant_id"] == wanted]})
        found = re.fullmatch(r"/api/v3/participant-declarations/([^/]+)(/void)?", path)
        if found:
            held = self.declarations.get(found[1])
            if held is None:
                return httpx.Response(404, json={"error": "Resource not found"})
            if found[2]:
                if held["attributes"]["state"] == "voided":
                    return httpx.Response(422, json={"errors": [
                        {"title": "declaration", "detail": "This declaration has already been "
                                                           "voided."}]})
                held["attributes"]["state"] = "voided"
            return httpx.Response(200, json={"data": held})
        found = re.fullmatch(r"/api/v3/participants/npq/([^/]+)/outcomes", path)
        if found:
            return httpx.Response(200, json={"data": self.outcomes(found[1])})
        if path == "/api/v3/participants/npq":
            page = int(request.url.params.get("page[page]", 1))
            per_page = int(request.url.params.get("page[per_page]", 100))
            return httpx.Response(200, json={
                "data": self.participants[(page - 1) * per_page:page * per_page]})
        return httpx.Response(404, json={"error": "Resource not found"})

    def outcomes(self, participant_id: str) -> list[dict]:
        """As the DfE keeps them: one per completed declaration, voided with it."""
        return [{"id": d["id"], "type": "participant-outcome", "attributes": {
            "state": "voided" if d["attributes"]["state"] == "voided"
            else "passed" if d["attributes"]["has_passed"] == "true" else "failed",
            "completion_date": d["attributes"]["declaration_date"],
            "course_identifier": d["attributes"]["course_identifier"],
            "participant_id": participant_id, "created_at": d["attributes"]["created_at"],
            "updated_at": d["attributes"]["updated_at"]}}
            for d in self.declarations.values()
            if d["attributes"]["participant_id"] == participant_id]


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
