"""Gather what a policy PR's impact depends on, through the GitHubPort, then compute it.

The PR's policy files are read at its head commit through the API, as bytes, and parsed as
data (never executed), like request files; everything else (the current policies, the
requests on the base branch, the audit log and the live grants) comes from the trusted
checkout. Team memberships are looked up only for the teams of the resources the PR changes,
and only for the people jit knows of: those named in either policy, the requesters on the base branch and on record, the approvers on record and
the holders of live grants. A team that cannot be read is reported, not fatal: the impact
comment informs, and must never keep a policy PR from being judged as it is today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from jit.errors import JitError
from jit.model import Policies
from jit.parse.repository import SETTINGS, build_policies
from jit.ports import GitHubPort, PullFile, PullInfo
from jit.pr.impact import Impact, LiveGrant, policy_impact, teams_that_matter
from jit.pr.impact_history import past_requests, people_on_record

POLICIES_DIR = "policies/"


def touches_policies(files: Iterable[PullFile]) -> bool:
    """Whether the PR adds, changes, renames or deletes anything under ``policies/``."""
    return any(
        path.startswith(POLICIES_DIR)
        for f in files
        if f.status != "unchanged"
        for path in (f.filename, f.previous_filename or "")
    )


def _is_policy_file(path: str) -> bool:
    """``policies/<name>.yaml``, one level down (tests and other folders are not policies)."""
    name = path[len(POLICIES_DIR) :] if path.startswith(POLICIES_DIR) else ""
    return bool(name) and "/" not in name and name.endswith(".yaml")


def head_sources(
    gh: GitHubPort,
    pull: PullInfo,
    files: Sequence[PullFile],
    base_files: Mapping[str, bytes],
    base_settings: bytes | None,
) -> tuple[dict[str, bytes], bytes | None]:
    """The policy files and settings at the PR's head: the base's, with the PR's changes."""
    policy_files, settings = dict(base_files), base_settings
    for f in files:
        if f.previous_filename and _is_policy_file(f.previous_filename):
            policy_files.pop(f.previous_filename, None)
            if f.previous_filename == SETTINGS:
                settings = None
        if not _is_policy_file(f.filename) or f.status == "unchanged":
            continue
        content: bytes | None = None
        if f.status != "removed":
            blob = gh.file_at(f.filename, pull.head_sha)
            content = blob.content if blob.type == "file" else None
        if f.filename == SETTINGS:
            settings = content
        elif content is None:
            policy_files.pop(f.filename, None)
        else:
            policy_files[f.filename] = content
    return policy_files, settings


def gather_impact(
    gh: GitHubPort,
    pull: PullInfo,
    files: Sequence[PullFile],
    base: tuple[Policies, Mapping[str, bytes], bytes | None],
    on_main: Mapping[str, bytes | None],
    entries: Iterable[Mapping[str, object]],
    grants: Sequence[LiveGrant],
    now: datetime,
) -> Impact:
    """The impact of the PR's policies over ``base`` (the current policies, their raw files
    and raw settings); ``on_main`` holds the request files on the base branch and
    ``entries`` the audit log's entries."""
    old, base_files, base_settings = base
    head_files, head_settings = head_sources(gh, pull, files, base_files, base_settings)
    new, _, findings = build_policies(head_files, head_settings, {})
    history, unrebuilt = past_requests(entries, on_main, now)
    people = _people(old, new, on_main, grants) | people_on_record(history)
    teams = {}
    for team in sorted(teams_that_matter(old, new)):
        try:
            teams[team] = gh.active_team_members(team, sorted(people, key=str.lower))
        except JitError:
            continue  # reported as a team whose membership could not be read
    impact = policy_impact(old, new, teams, people, history, grants)
    errors = sum(1 for f in findings if f.is_error)
    return replace(impact, unrebuilt=unrebuilt, policy_errors=errors)


def _people(
    old: Policies,
    new: Policies,
    on_main: Mapping[str, bytes | None],
    grants: Sequence[LiveGrant],
) -> set[str]:
    named = {
        p.name
        for policies in (old, new)
        for r in policies.resources.values()
        for p in (*r.eligible, *(p for s in r.approvals for p in s.approvers))
        if not p.is_team
    }
    requesters = {path.split("/")[1] for path in on_main if path.count("/") == 2}
    return named | requesters | {g.requester for g in grants}
