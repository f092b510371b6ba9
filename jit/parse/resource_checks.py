"""What a schema cannot check in one resource definition: durations, the ticket regex, the
hours window, the grant, and whether every approval stage can be met by distinct people."""

from __future__ import annotations

import re
from typing import Any

from jit.durations import format_duration
from jit.findings import Finding, Severity
from jit.parse.values import Problem, check_duration, quote
from jit.parse.yaml.loader import Loaded


class _Out:
    def __init__(self, path: str, rid: str, loaded: Loaded) -> None:
        self.path, self.rid, self.loaded = path, rid, loaded
        self.findings: list[Finding] = []

    def add(self, key: str, code: str, message: str, severity: Severity = "error") -> None:
        dotted = f"resources.{self.rid}.{key}" if key else f"resources.{self.rid}"
        line, column = self.loaded.positions.get(dotted) or (None, None)
        self.findings.append(Finding(self.path, line, column, code, severity, message))


def check_resource(path: str, rid: str, spec: dict[str, Any], loaded: Loaded) -> list[Finding]:
    """Findings for the schema-valid definition ``spec`` of resource ``rid`` in ``path``."""
    out = _Out(path, rid, loaded)
    most = _duration(out, "max_duration", spec["max_duration"])
    for index, rule in enumerate(spec.get("auto_approve", ())):
        if "max_duration" in rule:
            key = f"auto_approve.{index}.max_duration"
            limit = _duration(out, key, rule["max_duration"])
            if limit is not None and most is not None and limit > most:
                out.add(
                    key,
                    "auto-approve-over-max",
                    f"auto-approval rule {index + 1} of {rid} allows {format_duration(limit)}, "
                    f"more than its max_duration of {format_duration(most)}, which still "
                    "applies; lower the rule's max_duration",
                    "warning",
                )
    if "ticket" in spec:
        _ticket(out, spec["ticket"])
    if "hours" in spec:
        _hours(out, spec["hours"])
    _grant(out, spec["grant"])
    stages = spec.get("approvals", [])
    if not stages and not spec.get("auto_approve"):
        out.add(
            "",
            "never-approvable",
            f"{rid} has neither approvals nor auto_approve, so no request for it can ever be "
            "approved; add an approval stage",
            "warning",
        )
    _stages(out, stages)
    return out.findings


def _duration(out: _Out, key: str, text: str) -> int | None:
    seconds = check_duration(text, key.rpartition(".")[2])
    if isinstance(seconds, Problem):
        out.add(key, seconds.code, f"{seconds.message} (resource {out.rid})")
        return None
    return seconds


def _ticket(out: _Out, pattern: str) -> None:
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        out.add(
            "ticket",
            "invalid-regex",
            f"the ticket pattern {quote(pattern)} of {out.rid} is not a valid regular "
            f"expression ({exc}); a request's ticket must fully match it, e.g. "
            "'(INC|CHG)-[0-9]+'",
        )


def _hours(out: _Out, hours: dict[str, Any]) -> None:
    import zoneinfo  # only policies with hours need it

    name = hours["timezone"]
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        out.add(
            "hours.timezone",
            "invalid-timezone",
            f"{quote(name)} is not a known IANA time zone; use a name like Europe/Berlin or UTC",
        )
    if hours["start"] >= hours["end"]:
        out.add(
            "hours.end",
            "invalid-hours",
            f"the hours of {out.rid} end ({hours['end']}) at or before they start "
            f"({hours['start']}); end must be later the same day (overnight windows are not "
            "supported)",
        )


def _grant(out: _Out, grant: dict[str, Any]) -> None:
    if grant["kind"] != "kubernetes-rolebinding":
        return
    if "{login}" not in grant["subject"]:
        out.add(
            "grant.subject",
            "subject-without-login",
            f"the subject {quote(grant['subject'])} of {out.rid} does not contain {{login}}, "
            "so every grant would bind the same subject rather than the requester; write it "
            'like "{login}@example.com"',
        )
    if grant["role_kind"] == "Role" and "namespace" not in grant:
        out.add(
            "grant.role_kind",
            "role-needs-namespace",
            f"{out.rid} binds a Role but names no namespace; a ClusterRoleBinding can only bind "
            "a ClusterRole, so add a namespace or use role_kind: ClusterRole",
        )


def _stages(out: _Out, stages: list[dict[str, Any]]) -> None:
    """Each stage needs ``count`` distinct people, and a person satisfies at most one
    stage. Stages that list only users have a fixed pool, so check that some assignment
    of distinct users meets all of them (a bipartite matching); a team's size is unknown
    offline, so a stage that lists a team is assumed to be satisfiable."""
    pools = {
        index: sorted({name.lower() for name in stage["from"]})
        for index, stage in enumerate(stages)
        if not any("/" in name for name in stage["from"])
    }
    holder: dict[str, tuple[int, int]] = {}  # user -> (stage, slot) they are assigned to
    for index in pools:
        for slot in range(stages[index].get("count", 1)):
            seen: set[str] = set()
            if not _assign(index, slot, pools, holder, seen):
                involved = sorted({index} | {holder[user][0] for user in seen})
                _unmeetable(out, stages, involved, pools)
                return


def _assign(
    index: int,
    slot: int,
    pools: dict[int, list[str]],
    holder: dict[str, tuple[int, int]],
    seen: set[str],
) -> bool:
    for user in pools[index]:
        if user in seen:
            continue
        seen.add(user)
        if user not in holder or _assign(*holder[user], pools, holder, seen):
            holder[user] = (index, slot)
            return True
    return False


def _unmeetable(
    out: _Out, stages: list[dict[str, Any]], involved: list[int], pools: dict[int, list[str]]
) -> None:
    people = sorted({user for index in involved for user in pools[index]})
    needed = sum(stages[index].get("count", 1) for index in involved)
    which = " and ".join(str(index + 1) for index in involved)
    label = f"approval stage {which}" if len(involved) == 1 else f"approval stages {which}"
    out.add(
        f"approvals.{involved[-1]}",
        "unmeetable-stage",
        f"{label} of {out.rid} can never be met: {needed} distinct approvals are needed, "
        f"but only {_people(len(people))} listed ({', '.join(people)}) and a person "
        "satisfies at most one stage; list more approvers or a team, or lower count",
    )


def _people(count: int) -> str:
    return "1 person is" if count == 1 else f"{count} people are"
