"""A stateful fake of the Kubernetes RBAC REST API, served through ``responses``.

One ``FakeKubernetes`` hosts any number of clusters, each at ``https://k8s-<name>.fake:6443``.
It implements RoleBindings (namespaced, and listed across namespaces) and ClusterRoleBindings:
GET item, GET list (``labelSelector``, ``limit``/``continue``), POST, PUT, DELETE (with
``preconditions``), with real ``Status`` error bodies, bearer-token authentication (401),
per-token authorization (403, including the RBAC escalation check that needs the ``bind`` verb),
namespace existence, validation (422), fault injection and a request log.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import requests
from tests.fakes import kube_objects as ko

Json = dict[str, Any]
URL_RE = re.compile(r"https://k8s-([a-z0-9-]+)\.fake:6443(/.*)?")
_PATH_RE = re.compile(
    r"/apis/rbac\.authorization\.k8s\.io/v1"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<res>rolebindings|clusterrolebindings)(?:/(?P<name>[^/]+))?"
)
_KINDS = {"rolebindings": "RoleBinding", "clusterrolebindings": "ClusterRoleBinding"}
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
class Access:
    """What one bearer token may do. ``None`` means everything."""

    user: str
    #: (verb, resource) anywhere, or (verb, resource, namespace) only there (a RoleBinding's reach)
    verbs: frozenset[tuple[str, ...]] | None = None
    bind: frozenset[str] | None = None  # "ClusterRole/view", "Role/<ns>/<name>", "Role/*/<name>"


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


@dataclass
class FakeCluster:
    name: str
    server: str
    namespaces: set[str]
    tokens: dict[str, Access] = field(default_factory=dict)
    rolebindings: dict[tuple[str, str], Json] = field(default_factory=dict)
    clusterrolebindings: dict[str, Json] = field(default_factory=dict)
    #: Tokens the cluster did not mint itself (e.g. Vault-issued service-account tokens): the
    #: stand-in for TokenReview. Returns who the token is, or None.
    authenticator: Callable[[str], Access | None] | None = None
    _rv: int = 100

    def authenticate(self, token: str) -> Access | None:
        if token in self.tokens:
            return self.tokens[token]
        return self.authenticator(token) if self.authenticator else None

    def add_token(
        self,
        token: str,
        *,
        user: str = "system:serviceaccount:jit:jit-granter",
        verbs: Iterable[tuple[str, ...]] | None = None,
        bind: Iterable[str] | None = None,
    ) -> None:
        self.tokens[token] = Access(
            user,
            None if verbs is None else frozenset(verbs),
            None if bind is None else frozenset(bind),
        )

    def get(self, namespace: str | None, name: str) -> Json | None:
        """The stored binding (RoleBinding when ``namespace`` is set), bypassing the API."""
        if namespace is None:
            return self.clusterrolebindings.get(name)
        return self.rolebindings.get((namespace, name))

    def seed(self, obj: Json, clock: Callable[[], datetime]) -> Json:
        """Store ``obj`` directly (someone else's binding), filling server metadata."""
        meta = obj["metadata"]
        stored = self._stamp(copy.deepcopy(obj), clock)
        if obj["kind"] == "ClusterRoleBinding":
            self.clusterrolebindings[meta["name"]] = stored
        else:
            self.rolebindings[(meta["namespace"], meta["name"])] = stored
        return stored

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _stamp(self, obj: Json, clock: Callable[[], datetime]) -> Json:
        meta = obj.setdefault("metadata", {})
        meta["uid"] = str(uuid.uuid4())
        meta["resourceVersion"] = self._next_rv()
        meta["creationTimestamp"] = clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        return obj


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
        store = _Store(self, cluster, resource, ns)
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


class _Store:
    """One resource collection in one cluster (and namespace)."""

    def __init__(
        self, fake: FakeKubernetes, cluster: FakeCluster, resource: str, ns: str | None
    ) -> None:
        self.fake, self.cluster, self.resource, self.ns = fake, cluster, resource, ns
        self.kind = _KINDS[resource]

    def _items(self) -> dict[Any, Json]:
        if self.resource == "clusterrolebindings":
            return self.cluster.clusterrolebindings
        return self.cluster.rolebindings

    def _key(self, name: str) -> Any:
        return name if self.resource == "clusterrolebindings" else (self.ns, name)

    def get(self, name: str) -> tuple[int, Json]:
        obj = self._items().get(self._key(name))
        return (200, copy.deepcopy(obj)) if obj else (404, ko.not_found(self.resource, name))

    def list(self, query: dict[str, list[str]]) -> tuple[int, Json]:
        try:
            selector = ko.parse_selector(query.get("labelSelector", [""])[0])
        except ValueError as exc:
            return 400, ko.status(400, "BadRequest", f"unable to parse requirement: {exc}")
        items = [
            obj
            for key, obj in sorted(self._items().items())
            if (self.ns is None or key[0] == self.ns)
            and ko.selector_matches(selector, obj["metadata"].get("labels") or {})
        ]
        start = int(base64.b64decode(query["continue"][0])) if "continue" in query else 0
        limit = int(query["limit"][0]) if "limit" in query else len(items) or 1
        page = items[start : start + limit]
        meta: Json = {"resourceVersion": str(self.cluster._rv)}
        if start + limit < len(items):
            meta["continue"] = base64.b64encode(str(start + limit).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
        listed = [
            {k: v for k, v in copy.deepcopy(o).items() if k not in ("kind", "apiVersion")}
            for o in page
        ]
        return 200, {
            "kind": f"{self.kind}List",
            "apiVersion": ko.API_VERSION,
            "metadata": meta,
            "items": listed,
        }

    def create(self, access: Access, body: Json | None) -> tuple[int, Json]:
        if self.ns is not None and self.ns not in self.cluster.namespaces:
            return 404, ko.not_found("namespaces", self.ns, group="")
        problem = self._decode_problem(body)
        if problem:
            return 400, ko.status(400, "BadRequest", problem)
        assert body is not None
        name = str(body.get("metadata", {}).get("name", ""))
        denied = self._escalation(access, body, name)
        if denied:
            return 403, denied
        causes = ko.validate_binding(self.kind, body)
        if causes:
            return 422, ko.invalid(self.kind, name, causes)
        if self._key(name) in self._items():
            return 409, ko.already_exists(self.resource, name)
        obj = copy.deepcopy(body)
        obj["kind"], obj["apiVersion"] = self.kind, ko.API_VERSION
        if self.ns is not None:
            obj["metadata"]["namespace"] = self.ns
        self._items()[self._key(name)] = self.cluster._stamp(obj, self.fake.clock)
        return 201, copy.deepcopy(obj)

    def update(self, access: Access, name: str, body: Json | None) -> tuple[int, Json]:
        current = self._items().get(self._key(name))
        if current is None:
            return 404, ko.not_found(self.resource, name)
        problem = self._decode_problem(body)
        if problem or (body or {}).get("metadata", {}).get("name") != name:
            return 400, ko.status(
                400,
                "BadRequest",
                problem or "the name of the object does not match the name on the URL",
            )
        assert body is not None
        rv = body["metadata"].get("resourceVersion")
        if rv and rv != current["metadata"]["resourceVersion"]:
            return 409, ko.conflict(
                self.resource,
                name,
                "the object has been modified; please apply your changes to the latest version and try again",
            )
        causes = ko.validate_binding(self.kind, body)
        if body.get("roleRef") != current.get("roleRef"):
            causes.append(
                (
                    "FieldValueInvalid",
                    "roleRef",
                    f"Invalid value: {json.dumps(body.get('roleRef'))}: cannot change roleRef",
                )
            )
        if causes:
            return 422, ko.invalid(self.kind, name, causes)
        denied = self._escalation(access, body, name)
        if denied:
            return 403, denied
        obj = copy.deepcopy(body)
        obj["kind"], obj["apiVersion"] = self.kind, ko.API_VERSION
        for key in ("uid", "creationTimestamp", "namespace"):
            if key in current["metadata"]:
                obj["metadata"][key] = current["metadata"][key]
        obj["metadata"]["resourceVersion"] = self.cluster._next_rv()
        self._items()[self._key(name)] = obj
        return 200, copy.deepcopy(obj)

    def delete(self, name: str, body: Json | None) -> tuple[int, Json]:
        current = self._items().get(self._key(name))
        if current is None:
            return 404, ko.not_found(self.resource, name)
        pre = (body or {}).get("preconditions") or {}
        meta = current["metadata"]
        if pre.get("uid") and pre["uid"] != meta["uid"]:
            why = f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {meta['uid']}"
            return 409, ko.conflict(self.resource, name, why)
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta["resourceVersion"]:
            why = f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, ResourceVersion in object meta: {meta['resourceVersion']}"
            return 409, ko.conflict(self.resource, name, why)
        del self._items()[self._key(name)]
        self.cluster._next_rv()
        if self.fake.delete_returns_object:
            return 200, copy.deepcopy(current)
        return 200, ko.success(self.resource, name, meta["uid"])

    def _decode_problem(self, body: Json | None) -> str | None:
        if not isinstance(body, dict):
            return "the body of the request was in an unknown format - accepted media types include: application/json"
        if body.get("kind") not in (None, self.kind) or body.get("apiVersion") not in (
            None,
            ko.API_VERSION,
        ):
            return f"the API version or kind in the data ({body.get('apiVersion')}, {body.get('kind')}) does not match the expected ({ko.API_VERSION}, {self.kind})"
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            return "metadata must be an object"
        if self.ns is not None and meta.get("namespace") not in (None, self.ns):
            return "the namespace of the provided object does not match the namespace sent on the request"
        return None

    def _escalation(self, access: Access, body: Json, name: str) -> Json | None:
        """The RBAC escalation check: binding a role needs the ``bind`` verb on it (or holding
        its permissions, which the fake does not model)."""
        if access.bind is None:
            return None
        ref = body.get("roleRef") or {}
        wanted = (
            f"Role/{self.ns}/{ref.get('name')}"
            if ref.get("kind") == "Role"
            else f"ClusterRole/{ref.get('name')}"
        )
        if wanted in access.bind or f"Role/*/{ref.get('name')}" in access.bind:
            return None
        message = (
            f'{self.resource}.{ko.GROUP} "{name}" is forbidden: user "{access.user}" (groups=["system:authenticated"]) '
            f"is attempting to grant RBAC permissions not currently held: {ref.get('kind')} {ref.get('name')!r} "
            '(a binder needs the "bind" verb on the role it binds)'
        )
        return ko.status(
            403, "Forbidden", message, {"name": name, "group": ko.GROUP, "kind": self.resource}
        )


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
    """A fake Kubernetes; any request to an unregistered URL fails the test."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeKubernetes(rsps)
