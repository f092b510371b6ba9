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
