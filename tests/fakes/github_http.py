"""The HTTP face of the fake GitHub: auth, scripted faults, rate limits, pagination and the
request log, in front of the routes in ``github_routes``."""

from __future__ import annotations

import fnmatch
import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import responses
from requests import PreparedRequest

from tests.fakes import github_json as js
from tests.fakes import github_routes_admin, github_routes_more, github_routes_pulls
from tests.fakes.github_routes import ROUTES, HttpError, Req, not_found
from tests.fakes.github_state import Token

assert (
    github_routes_more and github_routes_admin and github_routes_pulls
)  # imported for their routes
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
RATE_LIMIT = 5000


@dataclass(frozen=True)
class Call:
    """One request the fake answered: ``path`` has no API prefix and no query string."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any = None  # the JSON request body
    response: Any = None  # the JSON response body (None for 204)


@dataclass
class Fault:
    method: str
    path: str  # exact, or an fnmatch pattern such as /repos/*/contents/*
    status: int
    times: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    after_apply: bool = False  # the operation happens, then the response is lost

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and fnmatch.fnmatchcase(path, self.path)


class FakeHttp:
    def __init__(self, base_url: str, prefix: str) -> None:
        self.base_url = base_url
        self.prefix = prefix
        self.tokens: dict[str, Token] = {}
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        #: Seconds the adapter asked to wait (the ``fake_github`` fixture records them here).
        self.sleeps: list[float] = []

    # --- scripting -------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int = 502,
        times: int = 1,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        after_apply: bool = False,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """The next ``times`` matching requests answer ``status`` (with GitHub's error body for
        ``message``, or ``body`` as given). With ``after_apply`` the operation still happens
        first, as when a response is lost on the way back."""
        default = {401: "Bad credentials", 404: "Not Found"}.get(status, "Server Error")
        body = body if body is not None else js.error(message or default, status)
        fault = Fault(method, path, status, times, body, dict(headers or {}), after_apply)
        self.faults.append(fault)
        return fault

    def rate_limit_next(
        self,
        method: str,
        path: str,
        *,
        times: int = 1,
        secondary: bool = False,
        status: int = 403,
        reset_in: int = 30,
        retry_after: int | None = None,
    ) -> Fault:
        """Answer like GitHub's primary (``X-RateLimit-Remaining: 0``) or secondary limit."""
        if secondary:
            message = (
                "You have exceeded a secondary rate limit. "
                "Please wait a few minutes before you try again."
            )
        else:
            message = "API rate limit exceeded for installation ID 1."
        headers = {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": "0" if not secondary else "4000",
            "X-RateLimit-Reset": str(math.ceil(time.time()) + reset_in),
        }
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return self.fail_next(
            method, path, status=status, times=times, message=message, headers=headers
        )

    # --- the request log ---------------------------------------------------------------------

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched; ``path`` may be an fnmatch pattern (``/repos/*/pulls/1*``)."""
        return sum(
            1
            for c in self.calls
            if method in (None, c.method) and (path is None or fnmatch.fnmatchcase(c.path, path))
        )

    def reset_calls(self) -> None:
        self.calls.clear()

    # --- serving -----------------------------------------------------------------------------

    def register(self, mock: responses.RequestsMock) -> None:
        split = urlsplit(self.base_url)
        default_port = ":443" if split.scheme == "https" else ":80"
        host = re.escape(f"{split.scheme}://{split.netloc}") + f"(?:{re.escape(default_port)})?"
        pattern = re.compile(host + re.escape(self.prefix) + r"(/.*)?$")
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            mock.add_callback(method, pattern, callback=self._callback)

    def _callback(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        split = urlsplit(str(request.url))
        path = split.path[len(self.prefix) :] or "/"
        query = dict(parse_qsl(split.query))
        method = str(request.method)
        body: Any = None
        if request.body:
            raw = request.body.decode() if isinstance(request.body, bytes) else request.body
            body = json.loads(raw)
        status, payload, headers = self._dispatch(method, path, query, body, request)
        self.calls.append(Call(method, path, query, status, body, payload))
        headers = {**self._rate_headers(), **headers}
        headers["Content-Type"] = "application/json; charset=utf-8"
        return status, headers, "" if payload is None else json.dumps(payload)

    def _dispatch(
        self, method: str, path: str, query: dict[str, str], body: Any, request: PreparedRequest
    ) -> tuple[int, Any, dict[str, str]]:
        fault = next((f for f in self.faults if f.matches(method, path)), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self.faults.remove(fault)
            if fault.after_apply:
                self._route(method, path, query, body, request)
            return fault.status, fault.body, dict(fault.headers)
        return self._route(method, path, query, body, request)

    def _route(
        self, method: str, path: str, query: dict[str, str], body: Any, request: PreparedRequest
    ) -> tuple[int, Any, dict[str, str]]:
        try:
            token = self._authenticate(request)
            if method in WRITE_METHODS and token.read_only:
                raise HttpError(403, "Resource not accessible by integration")
            for route_method, regex, handler, paginated in ROUTES:
                match = regex.match(path)
                if route_method != method or match is None:
                    continue
                params = {k: unquote(v) for k, v in match.groupdict().items()}
                req = Req(method, path, query, body, token, params)
                status, payload = handler(self, req)  # type: ignore[arg-type]
                if paginated:
                    return self._page(path, query, payload, status)
                return status, payload, {}
            raise not_found()
        except HttpError as exc:
            return exc.status, exc.body, {}

    def _authenticate(self, request: PreparedRequest) -> Token:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if not header:
            raise HttpError(401, "Requires authentication")
        token = self.tokens.get(value) if scheme.lower() in ("token", "bearer") else None
        if token is None:
            raise HttpError(401, "Bad credentials")
        return token

    def _page(
        self, path: str, query: dict[str, str], items: list[Any], status: int
    ) -> tuple[int, Any, dict[str, str]]:
        per_page = max(1, min(100, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
        last = max(1, math.ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        links = []

        def link(n: int, rel: str) -> str:
            return f'<{self.base_url}{path}?{urlencode({**query, "page": n})}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return status, chunk, ({"Link": ", ".join(links)} if links else {})

    def _rate_headers(self) -> dict[str, str]:
        used = len(self.calls)
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
            "X-RateLimit-Reset": str(math.ceil(time.time()) + 3600),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
        }
