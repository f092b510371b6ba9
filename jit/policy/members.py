"""Who is who: users and teams named in a policy, resolved against ``Context.teams``.

GitHub logins, organisation names and team slugs are case-insensitive, so every comparison
here is too. A team missing from ``Context.teams`` is *unknown* (offline): it neither admits
nor refuses anyone, and callers decide what unknown means for them (a note, an undecided
stage). Membership is tri-state for that reason: True, False or None (unknown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jit.model import Policies, Principal, Resource


def same_login(a: str | None, b: str | None) -> bool:
    """Whether two GitHub logins name the same account (case-insensitively)."""
    return a is not None and b is not None and a.lower() == b.lower()


@dataclass(frozen=True)
class Match:
    """How a login relates to a list of principals."""

    via: Principal | None  # the first principal that admits the login, if any
    unknown: tuple[str, ...] = ()  # listed teams whose membership is not known


class Directory:
    """Team memberships from a Context, normalised for case-insensitive lookups.

    Two keys that differ only in case are the same GitHub team; if both are present, only
    logins listed under both count (deny by default).
    """

    def __init__(self, teams: Mapping[str, frozenset[str]]) -> None:
        normalised: dict[str, frozenset[str]] = {}
        for name, members in teams.items():
            key = name.lower()
            logins = frozenset(login.lower() for login in members)
            normalised[key] = normalised[key] & logins if key in normalised else logins
        self._teams = normalised

    def knows(self, team: str) -> bool:
        return team.lower() in self._teams

    def is_member(self, team: str, login: str) -> bool | None:
        """True or False for a known team; None when the team's membership is unknown."""
        members = self._teams.get(team.lower())
        if members is None:
            return None
        return login.lower() in members

    def match(self, principals: Iterable[Principal], login: str) -> Match:
        via: Principal | None = None
        unknown: list[str] = []
        for principal in principals:
            if principal.is_team:
                member = self.is_member(principal.name, login)
                if member is None:
                    unknown.append(principal.name)
                    continue
                admitted = member
            else:
                admitted = same_login(principal.name, login)
            if admitted and via is None:
                via = principal
        return Match(via, tuple(unknown))


def team_names(source: Policies | Resource) -> set[str]:
    """The teams ("org/slug") whose membership ``jit.policy.engine.evaluate`` may need.

    Adapters resolve these into ``Context.teams`` before evaluating. Covers ``eligible``,
    every approval stage and every auto-approval rule; not ``revokers``, which the
    revocation path resolves on its own.
    """
    resources = source.resources.values() if isinstance(source, Policies) else (source,)
    names: set[str] = set()
    for resource in resources:
        principals = [*resource.eligible]
        for stage in resource.approvals:
            principals.extend(stage.approvers)
        for rule in resource.auto_approve:
            principals.extend(rule.requester_in)
        names.update(p.name for p in principals if p.is_team)
    return names
