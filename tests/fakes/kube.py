"""A stateful fake of the Kubernetes RBAC REST API, served through ``responses``.

One ``FakeKubernetes`` hosts any number of clusters, each at ``https://k8s-<name>.fake:6443``.
It implements SelfSubjectAccessReviews, RoleBindings (namespaced, and listed across namespaces) and ClusterRoleBindings:
GET item, GET list (``labelSelector``, ``limit``/``continue``), POST, PUT, DELETE (with
``preconditions``), with real ``Status`` error bodies, bearer-token authentication (401),
per-token authorization (403, including the RBAC escalation check that needs the ``bind`` verb),
namespace existence, validation (422), fault injection and a request log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from tests.fakes import kube_objects as ko
from tests.fakes.kube_store import Access, FakeCluster, Store

__all__ = ["Access", "FakeCluster", "FakeKubernetes", "LoggedRequest", "fake_kube"]

Json = dict[str, Any]
URL_RE = re.compile(r"https://k8s-([a-z0-9-]+)\.fake:6443(/.*)?")
_PATH_RE = re.compile(
    r"/apis/rbac\.authorization\.k8s\.io/v1"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>rolebindings|clusterrolebindings)(?:/(?P<name>[^/]+))?"
)
_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "DELETE": "delete"}
_FAULT_REASONS = {
    404: ("NotFound", "the server could not find the requested resource"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    500: ("InternalError", "Internal error occurred: etcdserver: request timed out"),
    502: ("InternalError", "Bad Gateway"),
    503: ("ServiceUnavailable", "The server is currently unable to handle the request"),
    504: ("Timeout", "Timeout: request did not complete within requested timeout"),
}


@dataclass
class Fault:
    status: int | None
    exception: type[BaseException] | None
    method: str | None
    path: str | None
    after_apply: bool
    retry_after: int | None
    remaining: int
    raw_body: str | None = None


@dataclass(frozen=True)
class LoggedRequest:
    cluster: str
    method: str
    path: str
    query: dict[str, list[str]]
    status: int | None  # None: the fake raised a connection fault
    authorization: str | None
    verify: object
    body: Json | None


class FakeKubernetes:
    def __init__(
        self, rsps: responses.RequestsMock, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.clusters: dict[str, FakeCluster] = {}
        self.requests: list[LoggedRequest] = []
        self.delete_returns_object = False
        self.clock = clock or (lambda: datetime.now(UTC))
        self._faults: list[Fault] = []
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            rsps.add_callback(method, URL_RE, callback=self._callback)

    def add_cluster(
        self,
        name: str,
        *,
        namespaces: Iterable[str] = ("default",),
        token: str | None = "kube-token",
    ) -> FakeCluster:
        cluster = FakeCluster(name, f"https://k8s-{name}.fake:6443", set(namespaces))
        if token is not None:
            cluster.add_token(token)
        self.clusters[name] = cluster
        return cluster

    def fail_next(
        self,
        status: int | None = 503,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        exception: type[BaseException] | None = None,
        after_apply: bool = False,
        retry_after: int | None = None,
        raw_body: str | None = None,
    ) -> None:
        """Fail the next ``times`` matching requests with ``status`` or by raising ``exception``
        (``requests.ConnectTimeout``, ``requests.ReadTimeout``, ...). ``after_apply``: carry the
        request out first, then lose the response (a timeout after the server acted). ``raw_body``
        replaces the Status body (a proxy's HTML error page)."""
        self._faults.append(
            Fault(status, exception, method, path, after_apply, retry_after, times, raw_body)
        )

    # --- dispatch -------------------------------------------------------------------------

    def _callback(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url or "")
        match = URL_RE.fullmatch(f"{url.scheme}://{url.netloc}{url.path}")
        cluster = self.clusters.get(match.group(1)) if match else None
        method = request.method or "GET"
        if cluster is None:
            raise requests.ConnectionError(
                f"Failed to resolve '{url.netloc}' (fake: no such cluster)"
            )
        query = parse_qs(url.query)
        body = _json_body(request)
        auth = request.headers.get("Authorization")
        verify = getattr(request, "req_kwargs", {}).get("verify")
        fault = self._take_fault(method, url.path)
        try:
            if fault is not None and not fault.after_apply:
                status, headers, payload = self._fault_response(fault)
            else:
                status, payload = self._handle(cluster, method, url.path, query, body, auth)
                headers = {}
                if fault is not None:
                    raise fault.exception or requests.ReadTimeout("fake: response lost")
        except BaseException:
            self.requests.append(
                LoggedRequest(cluster.name, method, url.path, query, None, auth, verify, body)
            )
            raise
        self.requests.append(
            LoggedRequest(cluster.name, method, url.path, query, status, auth, verify, body)
        )
        if fault is not None and fault.raw_body is not None:
            return status, {"Content-Type": "text/html", **headers}, fault.raw_body
        return status, {"Content-Type": "application/json", **headers}, json.dumps(payload)

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if (fault.method in (None, method)) and (fault.path is None or fault.path in path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _fault_response(self, fault: Fault) -> tuple[int, dict[str, str], Json]:
        if fault.exception is not None:
            raise fault.exception("fake: injected fault")
        code = fault.status or 503
        reason, message = _FAULT_REASONS.get(code, ("InternalError", "fake: injected failure"))
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        details = (
            {"retryAfterSeconds": fault.retry_after} if fault.retry_after is not None else None
        )
        return code, headers, ko.status(code, reason, message, details)

    def _handle(
        self,
        cluster: FakeCluster,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Json | None,
        auth: str | None,
    ) -> tuple[int, Json]:
        access = (
            cluster.authenticate(auth[len("Bearer ") :])
            if auth and auth.startswith("Bearer ")
            else None
        )
        if access is None:
            return 401, ko.status(401, "Unauthorized", "Unauthorized")
        if path == _REVIEWS and method == "POST":
            return _access_review(access, body)
        route = _PATH_RE.fullmatch(path)
        if route is None or method not in _VERBS:
            return 404, ko.status(
                404, "NotFound", "the server could not find the requested resource", {}
            )
        ns, resource, name = route.group("ns"), route.group("res"), route.group("name")
        if (ns is None) != (resource == "clusterrolebindings") and not (
            resource == "rolebindings" and name is None and method == "GET"
        ):
            return 404, ko.status(
                404, "NotFound", "the server could not find the requested resource", {}
            )
        verb = "list" if method == "GET" and name is None else _VERBS[method]
        if access.verbs is not None and not (
            {(verb, resource), (verb, resource, ns)} & access.verbs
        ):
            return 403, _forbidden(access.user, verb, resource, ns, name)
        store = Store(
            cluster,
            resource,
            ns,
            clock=self.clock,
            delete_returns_object=self.delete_returns_object,
        )
        if verb == "list":
            return store.list(query)
        if verb == "create":
            return store.create(access, body)
        assert name is not None
        if verb == "get":
            return store.get(name)
        if verb == "update":
            return store.update(access, name, body)
        return store.delete(name, body)


def _access_review(access: Access, body: Json | None) -> tuple[int, Json]:
    """``SelfSubjectAccessReview`` (any authenticated user may ask): is the caller allowed
    ``verb`` on ``resource`` (in ``namespace``), by the same rules the fake enforces?"""
    attributes = ((body or {}).get("spec") or {}).get("resourceAttributes")
    if not isinstance(attributes, dict) or not attributes.get("verb"):
        return 422, ko.status(422, "Invalid", "spec.resourceAttributes.verb: Required value", {})
    verb, resource = str(attributes["verb"]), str(attributes.get("resource", ""))
    ns = attributes.get("namespace") or None
    allowed = access.verbs is None or bool({(verb, resource), (verb, resource, ns)} & access.verbs)
    status: Json = {"allowed": allowed}
    if not allowed:
        status["reason"] = ""
    answer = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {"creationTimestamp": None},
        "spec": body["spec"] if body else {},
        "status": status,
    }
    return 201, answer


def _forbidden(user: str, verb: str, resource: str, ns: str | None, name: str | None) -> Json:
    subject = f'{resource}.{ko.GROUP} "{name}"' if name else f"{resource}.{ko.GROUP}"
    scope = f'in the namespace "{ns}"' if ns else "at the cluster scope"
    message = f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" in API group "{ko.GROUP}" {scope}'
    details: Json = {"group": ko.GROUP, "kind": resource}
    if name:
        details["name"] = name
    return ko.status(403, "Forbidden", message, details)


def _json_body(request: requests.PreparedRequest) -> Json | None:
    raw = request.body
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@pytest.fixture
def fake_kube() -> Iterator[FakeKubernetes]:
    """A fake Kubernetes; any request to an unregistered URL fails the test. To combine it with
    other ``responses``-based fakes, build ``FakeKubernetes(rsps)`` on their shared mock instead
    (only one mock can patch ``requests`` at a time)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeKubernetes(rsps)
