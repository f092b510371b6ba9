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
    """Verify, report on, export and package the tamper-evident audit log."""


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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object (ok, entries, head, first_broken, problems, ...) for other tools.",
)
@click.pass_context
def verify(ctx: click.Context, repo: Path, git: bool | None, grace: int, fmt: str) -> int:
    """Check the hash chain and that every grant was approved and revoked exactly once."""
    import sys

    from jit.commands.audit import run_verify

    ctx.exit(run_verify(repo=repo, git=git, grace=grace, out=sys.stdout, fmt=fmt))


@audit.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option(
    "--since",
    help="Only access that overlaps this time or later: a day (2026-11-01), month (2026-11), "
    "quarter (2026-Q4), year, or RFC 3339 time.",
)
@click.option("--until", help="Only access that overlaps this time or earlier (same forms).")
@click.option("--resource", help="Only this resource id.")
@click.option("--user", help="Only this requester.")
@click.option("--approver", help="Only grants this login approved.")
@click.option("--kind", help="Only this grant kind (e.g. vault-credentials).")
@click.option(
    "--status",
    type=click.Choice(["active", "revoked", "overdue", "denied"]),
    help="Only rows with this status.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "json", "html"]),
    default="md",
    show_default=True,
    help="html: one self-contained page (timeline, approvers, verification) to open offline.",
)
@click.pass_context
def report(
    ctx: click.Context,
    repo: Path,
    since: str | None,
    until: str | None,
    resource: str | None,
    user: str | None,
    approver: str | None,
    kind: str | None,
    status: str | None,
    fmt: str,
) -> int:
    """Who had access to what, when, approved by whom, on which PR, revoked how; and which
    requests were denied."""
    import sys

    from jit.commands.audit import run_report

    ctx.exit(
        run_report(
            repo=repo,
            since=since,
            until=until,
            resource=resource,
            user=user,
            approver=approver,
            kind=kind,
            status=status,
            fmt=fmt,
            out=sys.stdout,
        )
    )


@audit.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option("--format", "fmt", type=click.Choice(["ndjson"]), default="ndjson", show_default=True)
@click.option(
    "--since",
    metavar="CURSOR",
    help="Only events after this cursor (<seq>:<hash>, as the last export printed it).",
)
@click.option(
    "--cursor-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the cursor from this file (when --since is not given) and store the new one "
    "there after the export.",
)
@click.option(
    "--git/--no-git",
    "git",
    default=None,
    help="Also check committed audit/HEADs before exporting (default: in a git work tree).",
)
@click.pass_context
def export(
    ctx: click.Context,
    repo: Path,
    fmt: str,
    since: str | None,
    cursor_file: Path | None,
    git: bool | None,
) -> int:
    """Print every event as one JSON object per line (NDJSON) for a SIEM, after verifying
    the log; the cursor to resume from goes to stderr."""
    import sys

    from jit.commands.audit_export import run_export

    ctx.exit(
        run_export(
            repo,
            out=sys.stdout,
            err=sys.stderr,
            since=since,
            cursor_file=cursor_file,
            fmt=fmt,
            git=git,
        )
    )


@audit.command()
@click.option(
    "--repo", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True
)
@click.option(
    "--period",
    required=True,
    help="The period: a quarter (2026-Q4), month (2026-11), day or year, in UTC.",
)
@click.option(
    "-o",
    "--output",
    "target",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A new (or empty) folder to write the pack into.",
)
@click.pass_context
def evidence(ctx: click.Context, repo: Path, period: str, target: Path) -> int:
    """Write an evidence pack for a period: reports, verification, policies at its start and
    end, every policy change, access reviews, and an index page."""
    import sys

    from jit.commands.evidence import run_evidence

    ctx.exit(run_evidence(repo, period, target, out=sys.stdout))
