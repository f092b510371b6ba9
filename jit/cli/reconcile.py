from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from jit.commands.reconcile_wiring import Seams


@click.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="A checkout of main.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; issue, revoke and commit nothing.")
@click.option("--no-push", is_flag=True, help="Commit locally but do not push.")
def reconcile(repo: Path, dry_run: bool, no_push: bool) -> int:
    """Grant what is approved and not yet granted; revoke what expired or was withdrawn."""
    from jit.commands.reconcile import run

    return run(repo=repo, dry_run=dry_run, push=not no_push, seams=_seams())


@click.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def drift(repo: Path, fmt: str) -> int:
    """Compare recorded grants with Vault and Kubernetes and report any drift."""
    from jit.commands.reconcile import run_drift

    return run_drift(repo=repo, fmt=fmt, seams=_seams())


def _seams() -> Seams:
    """The process's environment, clock and standard output."""
    import os
    import sys

    from jit.commands.reconcile_wiring import Seams

    return Seams.default(env=os.environ, out=sys.stdout)
