"""The DfE's OpenAPI file as a checker: an httpx transport that validates every request the
client sends, and every response it is given, against the contract (openapi-core), around any
other transport (a handler in the test, or a real server such as Prism). A 5xx answer is let
through unchecked: it comes from the servers in front of the API (a gateway, an outage), which
the contract does not describe, and the client must cope with it all the same."""

from functools import cache
from urllib.parse import parse_qs, urlsplit

import httpx
from jsonschema_path import SchemaPath
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from assessment_app.dfe.contract import normalised


@cache
def contract() -> OpenAPI:
    spec = normalised()
    spec["servers"] = [{"url": "/"}]  # the file names the DfE's own development server
    return OpenAPI(SchemaPath.from_dict(spec))


class _Request:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: httpx.Request):
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(query=ImmutableMultiDict(parse_qs(url.query)),
                                            header=Headers(dict(request.headers)),
                                            cookie=ImmutableMultiDict())


class _Response:
    def __init__(self, response: httpx.Response):
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(dict(response.headers))
        self.data = response.content


class ContractTransport(httpx.BaseTransport):
    """Fails the test (AssertionError) on any request or response that breaks the contract;
    keeps each exchange in `exchanges` for the test to read."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        openapi_request = _Request(request)
        try:
            contract().validate_request(openapi_request)
        except Exception as error:
            raise AssertionError(f"request breaks the DfE's contract: {request.method} "
                                 f"{request.url}: {error!r}") from error
        response = self.inner.handle_request(request)
        response.read()
        if response.status_code >= 500:
            self.exchanges.append((request, response))
            return response
        try:
            contract().validate_response(openapi_request, _Response(response))
        except Exception as error:
            raise AssertionError(f"response breaks the DfE's contract: {response.status_code} "
                                 f"{response.text[:500]}: {error!r}") from error
        self.exchanges.append((request, response))
        return response

    def close(self) -> None:
        self.inner.close()
