"""Policy files -> ``Policies``, with findings for everything that would make a policy
misbehave: schema errors, ids defined twice, durations, regexes, time zones, hours and
approval stages that can never be met.

A resource whose definition has an error is left out of ``Policies.resources`` (so it is
never granted) and listed in ``Policies.invalid``; the other resources still load.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import TYPE_CHECKING, Any, cast

from jit.findings import Finding
from jit.model import (
    ApprovalStage,
    AutoApproveRule,
    GrantSpec,
    Hours,
    KubernetesRoleBinding,
    Policies,
    Principal,
    Resource,
    VaultCredentials,
    VaultGroup,
    VaultToken,
)
from jit.parse.resource_checks import check_resource
from jit.parse.values import Problem, check_duration, quote
from jit.parse.yaml.loader import Loaded, load_yaml
from jit.validators import is_valid

if TYPE_CHECKING:
    from jit.parse.schema_errors import Overrides

#: Policy files are trusted (they come from the base branch) and may hold many resources.
MAX_POLICY_BYTES = 1024 * 1024

OVERRIDES: Overrides = {
    "max_duration": lambda v: _problem(check_duration(v, "max_duration")),
}


def _problem(result: object) -> Problem | None:
    return result if isinstance(result, Problem) else None


def parse_policies(files: Mapping[str, bytes]) -> tuple[Policies, list[Finding]]:
    """Parse every policy file (``path -> content``; not ``policies/settings.yaml``)."""
    findings: list[Finding] = []
    resources: dict[str, Resource] = {}
    invalid: set[str] = set()
    where: dict[str, list[tuple[str, int | None]]] = {}
    for path in sorted(files):
        loaded = load_yaml(path, files[path], max_bytes=MAX_POLICY_BYTES)
        findings.extend(loaded.findings)
        if loaded.data is None:
            continue
        built, broken, problems = _parse_file(path, loaded)
        findings.extend(problems)
        invalid.update(broken)
        for rid in [*built, *broken]:
            where.setdefault(rid, []).append((path, loaded.key_positions[f"resources.{rid}"][0]))
        for rid, resource in built.items():
            resources.setdefault(rid, resource)
    for rid, places in where.items():
        if len(places) > 1:
            findings.extend(_duplicate(rid, places))
            invalid.add(rid)
    for rid in invalid:
        resources.pop(rid, None)
    return Policies(resources=resources, invalid=frozenset(invalid)), findings


def _duplicate(rid: str, places: list[tuple[str, int | None]]) -> list[Finding]:
    listed = " and ".join(f"{path}:{line}" for path, line in places)
    message = (
        f"the resource id {rid} is defined {len(places)} times ({listed}); ids must be unique "
        "across policies/, so neither definition is used until you rename or remove one"
    )
    return [Finding(path, line, 1, "duplicate-resource", "error", message) for path, line in places]


def _parse_file(path: str, loaded: Loaded) -> tuple[dict[str, Resource], set[str], list[Finding]]:
    """The resources of one file that are free of errors, the ids of those that are not,
    and the findings."""
    data = cast(dict[str, Any], loaded.data)
    findings: list[Finding] = []
    broken: set[str] = set()
    if not is_valid("policy", data):
        from jit.parse.schema_errors import schema_findings

        explained = schema_findings(path, "policy", loaded, OVERRIDES)
        findings.extend(finding for _, finding in explained)
    table = data.get("resources")
    if not isinstance(table, dict):
        return {}, set(), findings
    if findings:  # a dot in an id makes paths ambiguous: then both ids count as broken
        places = [where for where, _ in explained]
        broken = {rid for rid in table if any(_within(w, f"resources.{rid}") for w in places)}
    built: dict[str, Resource] = {}
    for rid, spec in table.items():
        if rid in broken:
            continue
        problems = check_resource(path, rid, spec, loaded)
        findings.extend(problems)
        if any(f.is_error for f in problems):
            broken.add(rid)
        else:
            built[rid] = build_resource(path, rid, spec, loaded)
    return built, broken, findings


def _within(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")


def build_resource(path: str, rid: str, spec: dict[str, Any], loaded: Loaded) -> Resource:
    """A ``Resource`` from a schema-valid, checked definition."""
    hours = spec.get("hours")
    return Resource(
        id=rid,
        description=spec["description"],
        grant=_grant(spec["grant"]),
        eligible=_principals(spec["eligible"]),
        max_duration=_seconds(spec["max_duration"]),
        approvals=tuple(
            ApprovalStage(approvers=_principals(stage["from"]), count=stage.get("count", 1))
            for stage in spec.get("approvals", ())
        ),
        auto_approve=tuple(
            AutoApproveRule(
                requester_in=_principals(rule["requester_in"]),
                max_duration=_seconds(rule["max_duration"]) if "max_duration" in rule else None,
            )
            for rule in spec.get("auto_approve", ())
        ),
        ticket=spec.get("ticket"),
        hours=_hours(hours) if hours is not None else None,
        revokers=_principals(spec.get("revokers", ())),
        delivery_fallback=spec.get("delivery_fallback"),
        source=path,
        line=loaded.key_positions[f"resources.{rid}"][0],
    )


def _grant(spec: dict[str, Any]) -> GrantSpec:
    kind = spec["kind"]
    if kind == "vault-credentials":
        return VaultCredentials(path=spec["path"], parameters=dict(spec.get("parameters", {})))
    if kind == "vault-token":
        return VaultToken(policies=tuple(spec["policies"]), token_role=spec.get("token_role"))
    if kind == "vault-group":
        return VaultGroup(policies=tuple(spec["policies"]))
    return KubernetesRoleBinding(
        cluster=spec["cluster"],
        namespace=spec.get("namespace"),
        role=spec["role"],
        role_kind=spec["role_kind"],
        subject=spec["subject"],
        subject_kind=spec.get("subject_kind", "User"),
    )


def _principals(names: Any) -> tuple[Principal, ...]:
    return tuple(Principal(str(name)) for name in names)


def _seconds(text: str) -> int:
    seconds = check_duration(text)
    assert isinstance(seconds, int), quote(text)  # check_resource vetted it
    return seconds


def _hours(spec: dict[str, Any]) -> Hours:
    return Hours(
        days=frozenset(spec["days"]),
        start=time.fromisoformat(spec["start"]),
        end=time.fromisoformat(spec["end"]),
        timezone=spec["timezone"],
    )
