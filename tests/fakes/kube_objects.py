"""The object rules of the fake Kubernetes RBAC API: Status bodies, validation, label selectors.

Shapes follow the real API server (k8s.io/apimachinery ``metav1.Status``, the RBAC validation in
``pkg/apis/rbac/validation``). One deliberate difference: the real server accepts any path-segment
name for RBAC objects (``system:foo`` is fine); the fake insists on a DNS-1123 subdomain of at most
253 characters, because jit only ever creates such names and must never depend on more.
"""

from __future__ import annotations

import re
from typing import Any

GROUP = "rbac.authorization.k8s.io"
API_VERSION = f"{GROUP}/v1"

_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")

Json = dict[str, Any]


def status(code: int, reason: str, message: str, details: Json | None = None) -> Json:
    """A ``metav1.Status`` failure body, as the API server sends it."""
    body: Json = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return body


def success(resource: str, name: str, uid: str) -> Json:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": GROUP, "kind": resource, "uid": uid},
    }


def not_found(resource: str, name: str, group: str = GROUP) -> Json:
    qualified = f"{resource}.{group}" if group else resource
    details = (
        {"name": name, "group": group, "kind": resource}
        if group
        else {"name": name, "kind": resource}
    )
    return status(404, "NotFound", f'{qualified} "{name}" not found', details)


def already_exists(resource: str, name: str) -> Json:
    return status(
        409,
        "AlreadyExists",
        f'{resource}.{GROUP} "{name}" already exists',
        {"name": name, "group": GROUP, "kind": resource},
    )


def conflict(resource: str, name: str, why: str) -> Json:
    return status(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource}.{GROUP} "{name}": {why}',
        {"name": name, "group": GROUP, "kind": resource},
    )


def invalid(kind: str, name: str, causes: list[tuple[str, str, str]]) -> Json:
    """422 Invalid; ``causes`` are (reason, field, message) triples."""
    text = ", ".join(f"{field}: {msg}" for _, field, msg in causes)
    return status(
        422,
        "Invalid",
        f'{kind}.{GROUP} "{name}" is invalid: {text}',
        {
            "name": name,
            "group": GROUP,
            "kind": kind,
            "causes": [{"reason": r, "message": m, "field": f} for r, f, m in causes],
        },
    )


def validate_binding(kind: str, obj: Json) -> list[tuple[str, str, str]]:
    """Validation causes for a RoleBinding / ClusterRoleBinding (empty: valid)."""
    causes: list[tuple[str, str, str]] = []
    meta = obj.get("metadata") or {}
    name = meta.get("name") or ""
    if not name:
        causes.append(
            (
                "FieldValueRequired",
                "metadata.name",
                "Required value: name or generateName is required",
            )
        )
    elif len(name) > 253 or not _DNS1123_SUBDOMAIN.fullmatch(name):
        causes.append(
            (
                "FieldValueInvalid",
                "metadata.name",
                f'Invalid value: "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
                "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
                "character (at most 253 characters)",
            )
        )
    for key, value in (meta.get("labels") or {}).items():
        label_name = key.rsplit("/", 1)[-1]
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.fullmatch(value):
            causes.append(
                (
                    "FieldValueInvalid",
                    "metadata.labels",
                    f'Invalid value: "{value}": a valid label must be 63 characters or less',
                )
            )
        if len(label_name) > 63 or not _LABEL_NAME.fullmatch(label_name):
            causes.append(
                (
                    "FieldValueInvalid",
                    "metadata.labels",
                    f'Invalid value: "{key}": name part must be 63 characters or less',
                )
            )
    ref = obj.get("roleRef") or {}
    allowed = ("ClusterRole",) if kind == "ClusterRoleBinding" else ("Role", "ClusterRole")
    if ref.get("kind") not in allowed:
        supported = ", ".join(f'"{k}"' for k in allowed)
        causes.append(
            (
                "FieldValueNotSupported",
                "roleRef.kind",
                f'Unsupported value: "{ref.get("kind", "")}": supported values: {supported}',
            )
        )
    if ref.get("apiGroup") != GROUP:
        causes.append(
            (
                "FieldValueNotSupported",
                "roleRef.apiGroup",
                f'Unsupported value: "{ref.get("apiGroup", "")}": supported values: "{GROUP}"',
            )
        )
    if not ref.get("name"):
        causes.append(("FieldValueRequired", "roleRef.name", "Required value"))
    for i, subject in enumerate(obj.get("subjects") or []):
        causes.extend(_validate_subject(i, subject))
    return causes


def _validate_subject(i: int, subject: Json) -> list[tuple[str, str, str]]:
    field = f"subjects[{i}]"
    kind = subject.get("kind")
    if kind not in ("User", "Group", "ServiceAccount"):
        return [
            (
                "FieldValueNotSupported",
                f"{field}.kind",
                f'Unsupported value: "{kind}": supported values: "ServiceAccount", "User", "Group"',
            )
        ]
    causes: list[tuple[str, str, str]] = []
    if not subject.get("name"):
        causes.append(("FieldValueRequired", f"{field}.name", "Required value"))
    if kind in ("User", "Group") and subject.get("apiGroup") != GROUP:
        causes.append(
            (
                "FieldValueNotSupported",
                f"{field}.apiGroup",
                f'Unsupported value: "{subject.get("apiGroup", "")}": supported values: "{GROUP}"',
            )
        )
    return causes


# --- label selectors ----------------------------------------------------------------------

_SET_RE = re.compile(r"^\s*([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def parse_selector(text: str) -> list[tuple[str, str, frozenset[str]]]:
    """``a=b,c!=d,e,!f,g in (x,y)`` -> (key, op, values); raises ValueError on bad syntax."""
    requirements: list[tuple[str, str, frozenset[str]]] = []
    for part in _split_top_level(text):
        part = part.strip()
        if not part:
            continue
        if m := _SET_RE.match(part):
            values = frozenset(v.strip() for v in m.group(3).split(",") if v.strip())
            requirements.append((m.group(1), m.group(2), values))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append((key.strip(), "notin", frozenset({value.strip()})))
        elif "=" in part:
            key, value = part.replace("==", "=").split("=", 1)
            requirements.append((key.strip(), "in", frozenset({value.strip()})))
        elif part.startswith("!"):
            requirements.append((part[1:].strip(), "!", frozenset()))
        elif re.fullmatch(r"[^\s!=,()]+", part):
            requirements.append((part, "exists", frozenset()))
        else:
            raise ValueError(f"unable to parse requirement: {part!r}")
        key, _, values = requirements[-1]
        if not _LABEL_NAME.fullmatch(key.rsplit("/", 1)[-1]) or not all(
            _LABEL_VALUE.fullmatch(v) for v in values
        ):
            raise ValueError(f"invalid label key or value in requirement: {part!r}")
    return requirements


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def selector_matches(
    requirements: list[tuple[str, str, frozenset[str]]], labels: dict[str, str]
) -> bool:
    for key, op, values in requirements:
        present = key in labels
        if op == "in" and not (present and labels[key] in values):
            return False
        if op == "notin" and present and labels[key] in values:
            return False
        if op == "exists" and not present:
            return False
        if op == "!" and present:
            return False
    return True
