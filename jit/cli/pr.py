from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="A checkout of the base branch (trusted policies).",
)
def pr(repo: Path) -> int:
    """Validate a request PR in GitHub Actions: plan comment, reviewers, approval status."""
    import os
    import sys

    from jit.commands.pr import run

    return run(repo=repo, env=dict(os.environ), out=sys.stdout, err=sys.stderr)
