"""``jit resources``: what can be requested, with limits, approvers and rules; ``--mine``
narrows it to what I may request, with the reason where I may not.

Exit codes: 0 listed; 1 the policies could not be read, or (``--mine``) some eligibility could
not be decided because the token may not read a team (the list still shows the rest);
2 usage; 4 GitHub failed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from jit.errors import EXIT_FINDINGS, EXIT_OK, JitError, UsageError
from jit.model import Policies
from jit.parse.repository import load_policies
from jit.policy.members import team_names
from jit.policy.wording import join
from jit.ports import RequesterPort
from jit.requester.catalogue import catalogue, render_json, render_text

FORMATS = ("text", "json")

TEAM_SCOPE_HINT = (
    "Your token may not read the membership of {teams} (GitHub answered {statuses}), so "
    "whether you may request what they admit is shown as 'cannot tell'. A classic token needs "
    "the read:org scope (gh auth refresh -s read:org); a fine-grained token needs the "
    'organisation permission "Members: read" (a 404 can also mean that the team does not '
    "exist: then tell the policy owners). Everything else is shown as decided."
)


def run(
    repo: Path,
    mine: bool,
    fmt: str,
    *,
    github: Callable[[], RequesterPort],
    out: TextIO,
    err: TextIO,
) -> int:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    policies = read_policies(repo, err)
    if not mine:
        views = catalogue(policies)
        out.write(render_json(views) if fmt == "json" else render_text(views, mine=False))
        return EXIT_OK
    client = github()
    login = client.login()
    teams, refused = memberships(client, policies, login)
    views = catalogue(policies, login, teams)
    views.sort(key=lambda v: (v.may_request != "yes", v.id))
    out.write(render_json(views) if fmt == "json" else render_text(views, mine=True))
    if refused:
        statuses = join(sorted({str(s) for s in refused.values()}), "or")
        err.write(TEAM_SCOPE_HINT.format(teams=join(sorted(refused)), statuses=statuses) + "\n")
        return EXIT_FINDINGS
    return EXIT_OK


def read_policies(repo: Path, err: TextIO) -> Policies:
    """The valid resources of ``repo``; a note on ``err`` for the broken ones."""
    if not repo.is_dir():
        raise UsageError(f"--repo {repo} is not a directory")
    policies, _settings, findings = load_policies(repo, {})
    fatal = [f for f in findings if f.code == "no-policies"]
    if fatal:
        raise JitError(fatal[0].message)
    if policies.invalid:
        err.write(
            f"Left out, because their policies have errors: {join(sorted(policies.invalid))} "
            "(jit check shows why).\n"
        )
    return policies


def memberships(
    client: RequesterPort, policies: Policies, login: str
) -> tuple[dict[str, frozenset[str]], dict[str, int]]:
    """My active memberships of every team the policies name, and the teams my token may
    not read (with GitHub's answer)."""
    teams: dict[str, frozenset[str]] = {}
    refused: dict[str, int] = {}
    for team in sorted(team_names(policies)):
        access = client.team_access(team, login)
        if isinstance(access, bool):
            teams[team] = frozenset({login}) if access else frozenset()
        else:
            refused[team] = access
    return teams, refused
