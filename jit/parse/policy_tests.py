"""A policy test file, ``policies/tests/<name>.yaml`` -> test cases, or findings.

Each case is a request plus the context it is judged in (team memberships, reviews, who
pushed, when) and the decision the policies must reach. The file is loaded with the
hostile-input loader and checked against ``schemas/policy-test.schema.json`` by jsonschema
(policy tests are few, so they have no compiled validator). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from jit.findings import Finding
from jit.model import Context, Request, Review, ReviewState
from jit.parse.values import Problem, check_duration, check_timestamp
from jit.parse.yaml.loader import Loaded, load_yaml

Expected = Literal["granted", "pending", "denied"]

#: The head commit of the pull request a case imagines; ``commit: stale`` reviews are on
#: another one.
HEAD_SHA = "0" * 39 + "1"
STALE_SHA = "0" * 39 + "2"
#: When a case is judged unless it says ``at:``: a Monday morning, inside usual hours.
DEFAULT_AT = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class PolicyCase:
    """One test case: judge ``request`` in ``ctx``; the decision must be ``expect``."""

    file: str
    line: int | None
    name: str
    request: Request
    ctx: Context
    expect: Expected
    reasons: tuple[str, ...] = ()
    stages_met: tuple[int, ...] | None = None  # 1-based; None: not checked


def parse_policy_tests(path: str, raw: bytes) -> tuple[list[PolicyCase], list[Finding]]:
    """The cases in the policy test file at ``path``, or findings. Never raises on bad input."""
    loaded = load_yaml(path, raw)
    if loaded.data is None:
        return [], loaded.findings
    from jit.parse.schema_errors import schema_findings

    problems = [finding for _, finding in schema_findings(path, "policy-test", loaded)]
    if problems:
        return [], problems
    cases: list[PolicyCase] = []
    findings: list[Finding] = []
    items = cast(list[dict[str, object]], loaded.data["tests"])
    for index, item in enumerate(items):
        case = _case(path, loaded, f"tests.{index}", item, findings)
        if case is not None:
            cases.append(case)
    return cases, findings


def _case(
    path: str, loaded: Loaded, key: str, item: dict[str, object], findings: list[Finding]
) -> PolicyCase | None:
    before = len(findings)

    def problem(field: str, found: Problem) -> None:
        line, column = loaded.positions.get(f"{key}.{field}") or (None, None)
        findings.append(Finding(path, line, column, found.code, "error", found.message))

    data = cast(dict[str, str], item["request"])
    duration = check_duration(data["duration"], "request.duration")
    if isinstance(duration, Problem):
        problem("request.duration", duration)
    not_before = None
    if "not_before" in data:
        stamp = check_timestamp(data["not_before"], "request.not_before")
        if isinstance(stamp, Problem):
            problem("request.not_before", stamp)
        else:
            not_before = stamp
    at = DEFAULT_AT
    if "at" in item:
        stamp = check_timestamp(str(item["at"]), "at")
        if isinstance(stamp, Problem):
            problem("at", stamp)
        else:
            at = stamp.astimezone(UTC)
    if len(findings) > before or isinstance(duration, Problem):
        return None
    requester = data["requester"]
    author = str(item.get("author", requester))
    pushers = cast(list[str], item.get("pushers", [author]))
    request_id = f"requests/{requester}/policy-test-{key.rsplit('.', 1)[1]}"
    request = Request(
        id=request_id,
        path=request_id + ".yaml",
        requester=requester,
        resource=data["resource"],
        duration=duration,
        duration_text=data["duration"],
        reason=data.get("reason", "policy test"),
        ticket=data.get("ticket"),
        not_before=not_before,
    )
    teams = cast(dict[str, list[str]], item.get("teams", {}))
    ctx = Context(
        now=at,
        pr_author=author,
        head_sha=HEAD_SHA,
        reviews=_reviews(cast(list[dict[str, object]], item.get("approvals", [])), at),
        teams={team: frozenset(members) for team, members in teams.items()},
        pushers=frozenset(p.lower() for p in pushers),
    )
    expect = cast(dict[str, object], item["expect"])
    stages = cast(list[int] | None, expect.get("stages_met"))
    return PolicyCase(
        file=path,
        line=(loaded.positions.get(key) or (None, None))[0],
        name=str(item["name"]),
        request=request,
        ctx=ctx,
        expect=cast(Expected, expect["decision"]),
        reasons=tuple(cast(list[str], expect.get("reasons", []))),
        stages_met=None if stages is None else tuple(stages),
    )


def _reviews(items: list[dict[str, object]], at: datetime) -> tuple[Review, ...]:
    return tuple(
        Review(
            login=str(item["by"]),
            state=cast(ReviewState, item.get("state", "APPROVED")),
            commit_id=STALE_SHA if item.get("commit") == "stale" else HEAD_SHA,
            submitted_at=at,
            is_bot=bool(item.get("bot", False)),
            id=number,
        )
        for number, item in enumerate(items, 1)
    )
