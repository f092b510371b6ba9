"""The requester's commands: ``jit resources``, ``jit request``, ``jit status``, ``jit release``.
Click only; prompts happen here, and only on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jit.ports import RequesterPort

_REPO = click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="A clone of the access repository (holds requests/ and policies/).",
)
_GITHUB_REPO = click.option(
    "--github-repo",
    metavar="OWNER/NAME",
    help="The access repository on GitHub (default: GITHUB_REPOSITORY, else the origin remote).",
)
_FORMAT = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)


def _github(repo: Path, github_repo: str | None, what: str) -> Callable[[], RequesterPort]:
    """Connect on first use, with the requester's token from the environment or gh."""
    import os

    from jit.commands.requester_wiring import connect

    return lambda: connect(repo, os.environ, github_repo, what=what)


@click.command()
@click.option(
    "--mine",
    is_flag=True,
    help="Only what I may request (and why not), from my login and team memberships. Needs "
    "GITHUB_TOKEN or a logged-in GitHub CLI; teams need the read:org scope.",
)
@_REPO
@_GITHUB_REPO
@_FORMAT
def resources(mine: bool, repo: Path, github_repo: str | None, fmt: str) -> int:
    """List the resources you can request: description, grant kind, maximum duration, who is
    eligible, approval stages, ticket rule, hours and auto-approval.

    Offline by default (from policies/). Example:

    \b
        jit resources --mine

    Exit status: 0 listed; 1 the policies cannot be read, or (--mine) your token may not read
    a team, so some eligibility is shown as "cannot tell"; 2 usage; 4 GitHub failed.
    """
    import sys

    from jit.commands.resources import run

    return run(
        repo,
        mine,
        fmt,
        github=_github(repo, github_repo, "jit resources --mine"),
        out=sys.stdout,
        err=sys.stderr,
    )


def _interactive() -> bool:
    """Whether there is a person at a terminal to ask (standard input and error are TTYs)."""
    import sys

    return sys.stdin.isatty() and sys.stderr.isatty()


def _ask(label: str, hint: str) -> str:
    return str(click.prompt(f"{label} ({hint})", err=True))


@click.command()
@click.argument("resource", required=False)
@click.option("--duration", metavar="DURATION", help="How long: 15m, 2h, 1h30m, 1d.")
@click.option("--reason", metavar="TEXT", help="Why you need it, for the approvers.")
@click.option("--ticket", metavar="ID", help="The incident or change ticket (if required).")
@click.option(
    "--not-before", metavar="TIME", help="Scheduled start, RFC 3339: 2026-11-23T09:00:00Z."
)
@click.option(
    "--name",
    metavar="NAME",
    help="The file name (lowercase letters, digits, hyphens; default: ticket or resource "
    "and the date).",
)
@click.option("--dry-run", is_flag=True, help="Write and validate the file only.")
@_REPO
@_GITHUB_REPO
def request(
    resource: str | None,
    duration: str | None,
    reason: str | None,
    ticket: str | None,
    not_before: str | None,
    name: str | None,
    dry_run: bool,
    repo: Path,
    github_repo: str | None,
) -> int:
    """Request access: write requests/<you>/<name>.yaml, check it as jit check --author
    <you> does, push it on a new branch and open the pull request; print its URL and who must
    approve. Your login comes from your token (GITHUB_TOKEN, else gh auth token).

    On a terminal it asks for what is missing; otherwise it never prompts. Example:

    \b
        jit request prod-db-readonly --duration 2h --ticket INC-4711 \\
            --reason "Investigate INC-4711, slow queries on orders"

    Exit status: 0 opened (or written and valid, with --dry-run); 1 the request has errors;
    2 usage (missing flags without a terminal); 4 GitHub or the push failed.
    """
    import sys

    from jit.adapters.clock import now
    from jit.commands.request import Asked, run

    asked = Asked(resource, duration, reason, ticket, not_before, name)
    return run(
        repo,
        asked,
        dry_run=dry_run,
        github=_github(repo, github_repo, "jit request"),
        ask=_ask if _interactive() else None,
        now=now(),
        out=sys.stdout,
        err=sys.stderr,
    )


@click.command()
@click.option("--user", metavar="LOGIN", help="Whose access (default: you, from your token).")
@_REPO
@_GITHUB_REPO
@_FORMAT
def status(user: str | None, repo: Path, github_repo: str | None, fmt: str) -> int:
    """Show your active grants (time left, how each ends), your pending requests (open pull
    requests adding request files, with their jit/approval status) and your revocations of
    the last 30 days.

    Grants and revocations are read from the checkout (git pull first); pending requests
    need a token, and are reported as skipped without one. Example:

    \b
        git pull && jit status

    Exit status: 0 shown; 2 usage (no --user and no token); 4 GitHub failed (the rest is
    still shown).
    """
    import sys

    from jit.adapters.clock import now
    from jit.commands.status import run

    return run(
        repo, user, fmt, github=_github(repo, github_repo, "jit status"), now=now(), out=sys.stdout
    )


@click.command()
@click.argument("request_name", metavar="REQUEST")
@_REPO
@_GITHUB_REPO
def release(request_name: str, repo: Path, github_repo: str | None) -> int:
    """Hand access back early: open the pull request that deletes your request file from
    main. Once it is merged, the next reconcile run revokes the grant.

    REQUEST is the request's id (requests/alice/incident-4711), its file, or its name.
    Example:

    \b
        jit release incident-4711

    Exit status: 0 opened; 1 the request is not yours or not on main; 2 usage; 4 git or
    GitHub failed.
    """
    import sys

    from jit.adapters.clock import now
    from jit.commands.release import run

    github = _github(repo, github_repo, "jit release")
    return run(repo, request_name, github=github, now=now(), out=sys.stdout)
