from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The access repository (holds requests/ and policies/).",
)
@click.option("--author", metavar="LOGIN", help="Also check each request's requester is LOGIN.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="text: file:line:col lines; json: a list of findings; github: Actions annotations.",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check(repo: Path, author: str | None, fmt: str, paths: tuple[Path, ...]) -> int:
    """Validate request files (default: all under requests/) and all policies, offline.

    PATHS are request files or directories, relative to the current directory. Exit status:
    0 no errors (notes and warnings allowed), 1 errors found, 2 usage error, 3 a bug in jit.
    """
    import sys

    from jit.commands.check import run

    return run(repo=repo, author=author, fmt=fmt, paths=paths, out=sys.stdout, err=sys.stderr)
