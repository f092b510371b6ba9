"""Builders and hypothesis strategies for policy-engine tests: model objects built directly."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta, timezone

from hypothesis import strategies as st

from jit.durations import ABSOLUTE_MAX_SECONDS
from jit.model import (
    WEEKDAYS,
    ApprovalStage,
    AutoApproveRule,
    Context,
    Hours,
    Policies,
    Principal,
    Request,
    Resource,
    Review,
    VaultCredentials,
)

HEAD = "a" * 40
OLD = "b" * 40
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin
POSITIONS = {
    "": (1, 1),
    "requester": (2, 12),
    "resource": (3, 11),
    "duration": (4, 11),
    "ticket": (6, 9),
    "not_before": (7, 13),
}


def principals(*names: str) -> tuple[Principal, ...]:
    return tuple(Principal(n) for n in names)


def resource(
    rid: str = "prod-db",
    *,
    eligible: Iterable[str] = ("acme/eng", "carol"),
    max_duration: int = 4 * 3600,
    stages: Iterable[tuple[Iterable[str], int]] = ((("acme/dba",), 1),),
    auto: Iterable[tuple[Iterable[str], int | None]] = (),
    ticket: str | None = None,
    hours: Hours | None = None,
) -> Resource:
    return Resource(
        id=rid,
        description="Read-only access to the orders database",
        grant=VaultCredentials(path="database/creds/orders-readonly"),
        eligible=principals(*eligible),
        max_duration=max_duration,
        approvals=tuple(ApprovalStage(principals(*who), count) for who, count in stages),
        auto_approve=tuple(AutoApproveRule(principals(*who), most) for who, most in auto),
        ticket=ticket,
        hours=hours,
        source="policies/databases.yaml",
        line=2,
    )


def policies(*resources: Resource) -> Policies:
    return Policies({r.id: r for r in resources})


def request(
    requester: str = "alice",
    res: str = "prod-db",
    *,
    duration: int = 2 * 3600,
    ticket: str | None = None,
    not_before: datetime | None = None,
    positions: Mapping[str, tuple[int, int]] | None = None,
) -> Request:
    return Request(
        id=f"requests/{requester}/incident",
        path=f"requests/{requester}/incident.yaml",
        requester=requester,
        resource=res,
        duration=duration,
        duration_text=f"{duration}s",
        reason="Investigate INC-4711",
        ticket=ticket,
        not_before=not_before,
        positions=POSITIONS if positions is None else positions,
    )


def review(
    login: str,
    state: str = "APPROVED",
    commit: str | None = HEAD,
    minute: int | None = 0,
    *,
    rid: int = 0,
    bot: bool = False,
) -> Review:
    at = None if minute is None else T0 + timedelta(minutes=minute)
    return Review(login, state, commit, at, is_bot=bot, id=rid)  # type: ignore[arg-type]


def context(
    *reviews: Review,
    author: str | None = "alice",
    head: str | None = HEAD,
    teams: Mapping[str, Iterable[str]] | None = None,
    now: datetime = T0,
    start: datetime | None = None,
    pushers: Iterable[str] = (),
) -> Context:
    known = {"acme/eng": ("alice",), "acme/dba": ("bob", "erin")} if teams is None else teams
    return Context(
        now=now,
        pr_author=author,
        head_sha=head,
        reviews=tuple(reviews),
        teams={name: frozenset(members) for name, members in known.items()},
        start=start,
        pushers=frozenset(login.lower() for login in pushers),
    )


def office_hours(days: Iterable[str] = WEEKDAYS[:5], tz: str = "Europe/Berlin") -> Hours:
    return Hours(frozenset(days), time(8), time(18), tz)  # type: ignore[arg-type]


# --- hypothesis strategies ----------------------------------------------------------------

LOGINS = ("alice", "bob", "carol", "dave", "erin", "Bob", "ALICE", "bot")
TEAMS = ("acme/dba", "acme/sec", "acme/eng", "ACME/DBA")
STATES = ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING")

logins = st.sampled_from(LOGINS)
principal_names = st.sampled_from(LOGINS[:5] + TEAMS)
durations = st.integers(min_value=1, max_value=ABSOLUTE_MAX_SECONDS + 1)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets
)
any_moments = st.datetimes(timezones=st.one_of(st.none(), offsets, st.just(UTC)))


@st.composite
def stages(draw: st.DrawFn, max_stages: int = 3, max_count: int = 2) -> list[tuple[list[str], int]]:
    return draw(
        st.lists(
            st.tuples(
                st.lists(principal_names, min_size=1, max_size=3, unique=True),
                st.integers(min_value=1, max_value=max_count),
            ),
            max_size=max_stages,
        )
    )


@st.composite
def resources(draw: st.DrawFn, max_count: int = 2) -> Resource:
    hours = draw(
        st.none()
        | st.builds(
            Hours,
            days=st.frozensets(st.sampled_from(WEEKDAYS)),
            start=st.times(timezones=st.none() | offsets),
            end=st.times(timezones=st.none() | offsets),
            timezone=st.sampled_from(["Europe/Berlin", "UTC", "America/New_York", "Nowhere/X"]),
        )
    )
    return resource(
        eligible=draw(st.lists(principal_names, max_size=3)),
        max_duration=draw(st.integers(min_value=1, max_value=ABSOLUTE_MAX_SECONDS * 2)),
        stages=draw(stages(max_count=max_count)),
        auto=draw(
            st.lists(
                st.tuples(st.lists(principal_names, max_size=2), st.none() | st.integers(0, 10**6)),
                max_size=2,
            )
        ),
        ticket=draw(st.none() | st.sampled_from([r"INC-[0-9]+", r"(", r"X"])),
        hours=hours,
    )


@st.composite
def requests(draw: st.DrawFn, requester: str | None = None) -> Request:
    return request(
        requester=draw(logins) if requester is None else requester,
        res=draw(st.sampled_from(["prod-db", "prod-dbx"])),
        duration=draw(durations),
        ticket=draw(st.none() | st.sampled_from(["INC-1", "INC-1 ", "X", "x" * 300])),
        not_before=draw(st.none() | any_moments),
        positions=draw(st.sampled_from([POSITIONS, {}])),
    )


reviews = st.builds(
    Review,
    login=logins,
    state=st.sampled_from(STATES),
    commit_id=st.sampled_from([HEAD, OLD, None]),
    submitted_at=st.none() | moments,
    is_bot=st.booleans(),
    id=st.integers(0, 5),
)


@st.composite
def contexts(
    draw: st.DrawFn, review_list: st.SearchStrategy[list[Review]] | None = None
) -> Context:
    team_map = draw(
        st.dictionaries(st.sampled_from(TEAMS), st.frozensets(logins, max_size=4), max_size=4)
    )
    return Context(
        now=draw(any_moments),
        pr_author=draw(st.none() | logins),
        head_sha=draw(st.sampled_from([HEAD, None])),
        reviews=tuple(
            draw(review_list if review_list is not None else st.lists(reviews, max_size=8))
        ),
        teams=team_map,
        start=draw(st.none() | any_moments),
        pushers=draw(st.frozensets(logins.map(str.lower), max_size=3)),
    )
