from __future__ import annotations

from pathlib import Path

import click


def _grace(ctx: click.Context, param: click.Parameter, value: str) -> int:
    """``--grace`` in seconds: a duration (``15m``, ``1h30m``) or ``0``. A value that is no
    duration is click's parse error, like any other bad flag value."""
    from jit.durations import DurationError, parse_duration

    if value.strip() == "0":
        return 0
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise click.BadParameter(str(exc), ctx, param, param_hint="--grace") from None


@click.group()
def audit() -> None:
    """Verify and report on the tamper-evident audit log."""


@audit.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option(
    "--git/--no-git",
    "git",
    default=None,
    help="Also check every committed audit/HEAD is on the chain (default: when in a "
    "git work tree; --git makes it required).",
)
@click.option(
    "--grace",
    callback=_grace,
    default="15m",
    show_default=True,
    metavar="DURATION",
    help="How long past expires_at a grant may stay unrevoked (the sweep's lag); 0 for none.",
)
@click.pass_context
def verify(ctx: click.Context, repo: Path, git: bool | None, grace: int) -> int:
    """Check the hash chain and that every grant was approved and revoked exactly once."""
    import sys

    from jit.commands.audit import run_verify

    ctx.exit(run_verify(repo=repo, git=git, grace=grace, out=sys.stdout))


@audit.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option("--since", help="Only access that overlaps this time or later (RFC 3339 or date).")
@click.option("--until", help="Only access that overlaps this time or earlier.")
@click.option("--resource", help="Only this resource id.")
@click.option("--user", help="Only this requester.")
@click.option(
    "--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True
)
@click.pass_context
def report(
    ctx: click.Context,
    repo: Path,
    since: str | None,
    until: str | None,
    resource: str | None,
    user: str | None,
    fmt: str,
) -> int:
    """Who had access to what, when, approved by whom, on which PR, revoked how."""
    import sys

    from jit.commands.audit import run_report

    ctx.exit(
        run_report(
            repo=repo,
            since=since,
            until=until,
            resource=resource,
            user=user,
            fmt=fmt,
            out=sys.stdout,
        )
    )
