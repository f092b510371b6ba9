"""The state of one fake cluster: its tokens, namespaces and bindings, and the RBAC rules the
API server applies when they are read and written (``Store``)."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tests.fakes import kube_objects as ko

Json = dict[str, Any]
KINDS = {"rolebindings": "RoleBinding", "clusterrolebindings": "ClusterRoleBinding"}


@dataclass
class Access:
    """What one bearer token may do. ``None`` means everything."""

    user: str
    #: (verb, resource) anywhere, or (verb, resource, namespace) only there (a RoleBinding's reach)
    verbs: frozenset[tuple[str, ...]] | None = None
    bind: frozenset[str] | None = None  # "ClusterRole/view", "Role/<ns>/<name>", "Role/*/<name>"


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


class Store:
    """One resource collection in one cluster (and namespace)."""

    def __init__(
        self,
        cluster: FakeCluster,
        resource: str,
        ns: str | None,
        *,
        clock: Callable[[], datetime],
        delete_returns_object: bool,
    ) -> None:
        self.cluster, self.resource, self.ns = cluster, resource, ns
        self.clock, self.delete_returns_object = clock, delete_returns_object
        self.kind = KINDS[resource]

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
        self._items()[self._key(name)] = self.cluster._stamp(obj, self.clock)
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
        if self.delete_returns_object:
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
