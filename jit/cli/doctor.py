from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="A checkout of the access repository (main).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def doctor(repo: Path, fmt: str) -> int:
    """Check the set-up (GitHub, Vault, Kubernetes): one PASS/FAIL/SKIP line per check."""
    import os
    import sys

    from jit.commands.doctor import run

    return run(repo, fmt, env=dict(os.environ), out=sys.stdout)
