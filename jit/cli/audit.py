from __future__ import annotations

from pathlib import Path

import click


@click.group()
def audit() -> None:
    """Verify and report on the tamper-evident audit log."""


@audit.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True)
def verify(repo: Path) -> int:
    """Check the hash chain and that every grant was approved and revoked exactly once."""
    from jit.commands.audit import run_verify

    return run_verify(repo=repo)


@audit.command()
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True)
@click.option("--since", help="Only access that overlaps this time or later (RFC 3339 or date).")
@click.option("--until", help="Only access that overlaps this time or earlier.")
@click.option("--resource", help="Only this resource id.")
@click.option("--user", help="Only this requester.")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md",
              show_default=True)
def report(repo: Path, since: str | None, until: str | None, resource: str | None,
           user: str | None, fmt: str) -> int:
    """Who had access to what, when, approved by whom, on which PR, revoked how."""
    from jit.commands.audit import run_report

    return run_report(repo=repo, since=since, until=until, resource=resource, user=user, fmt=fmt)
