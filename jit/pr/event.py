"""Which PR an Actions event is about, from its name and payload. Pure.

The payload is only a pointer: the runner re-reads the PR, its files and reviews through the
API, so a forged or stale payload can at most make jit judge a PR afresh.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from jit.errors import UsageError

PR_EVENTS = ("pull_request", "pull_request_target")
PR_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review", "edited")
REVIEW_ACTIONS = ("submitted", "dismissed", "edited")
SUPPORTED = (
    "pull_request and pull_request_target (opened, synchronize, reopened, ready_for_review, "
    "edited), pull_request_review (submitted, dismissed, edited) and workflow_run (completed)"
)


class UnsupportedEvent(UsageError):
    """The workflow runs ``jit pr`` on an event it does not handle: a workflow set-up error."""


@dataclass(frozen=True)
class PrEvent:
    """What the event says: a PR number, or (workflow_run from a fork) only a head commit."""

    name: str
    action: str
    number: int | None
    head_sha: str | None = None
    default_branch: str | None = None


def parse_event(name: str, payload: Mapping[str, object]) -> PrEvent:
    """Find the PR an event is about; raise :class:`UnsupportedEvent` for anything else."""
    action = _str(payload.get("action"))
    default_branch = _str(_map(payload.get("repository")).get("default_branch")) or None
    if name in PR_EVENTS or name == "pull_request_review":
        allowed = PR_ACTIONS if name in PR_EVENTS else REVIEW_ACTIONS
        if action not in allowed:
            raise UnsupportedEvent(_unsupported(name, action))
        number = _map(payload.get("pull_request")).get("number")
        if not isinstance(number, int) or isinstance(number, bool):
            raise UnsupportedEvent(
                f"the {name} event payload has no pull_request.number; check GITHUB_EVENT_PATH"
            )
        return PrEvent(name, action, number, default_branch=default_branch)
    if name == "workflow_run":
        if action != "completed":
            raise UnsupportedEvent(_unsupported(name, action))
        run = _map(payload.get("workflow_run"))
        repo_id = _map(payload.get("repository")).get("id")
        numbers = [
            pr.get("number")
            for pr in (_map(item) for item in _list(run.get("pull_requests")))
            if _map(_map(pr.get("base")).get("repo")).get("id") == repo_id
        ]
        number = next((n for n in numbers if isinstance(n, int) and not isinstance(n, bool)), None)
        head_sha = _str(run.get("head_sha")) or None
        if number is None and head_sha is None:
            raise UnsupportedEvent(
                "the workflow_run payload names no pull request and no head_sha; "
                "check GITHUB_EVENT_PATH"
            )
        return PrEvent(name, action, number, head_sha, default_branch)
    raise UnsupportedEvent(
        f"jit pr does not handle the {name or 'unnamed'} event; it handles {SUPPORTED}. "
        "Fix the workflow's on: triggers."
    )


def _unsupported(name: str, action: str) -> str:
    return (
        f"jit pr does not handle {name} events of type {action or '(none)'}; it handles "
        f"{SUPPORTED}. Restrict the workflow's types: to these."
    )


def _map(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""
