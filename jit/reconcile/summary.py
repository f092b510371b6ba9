"""A run's report as text (stdout) and Markdown (the job summary). Pure; never a secret:
every line comes from ``Report``, whose sentences name grants, handles and errors only."""

from __future__ import annotations

from jit.markdown import esc
from jit.output import escape_data
from jit.reconcile.diff import Plan
from jit.reconcile.runtime import Report
from jit.redact import log_line as one_line
from jit.redact import redact_secrets

_SECTIONS = (
    ("failed", "Failed (retried on the next run)"),
    ("granted", "Granted"),
    ("revoked", "Revoked"),
    ("denied", "Denied"),
    ("waiting", "Waiting"),
    ("blocked", "Blocked until main is fixed"),
    ("drift", "Drift"),
    ("notes", "Notes"),
)


def headline(report: Report) -> str:
    parts = [
        f"{len(report.granted)} granted",
        f"{len(report.revoked)} revoked",
        f"{len(report.denied)} denied",
        f"{len(report.failed)} failed",
        f"{len(report.waiting)} waiting",
    ]
    if report.drift:
        parts.append(f"{len(report.drift)} drift")
    lag = f"; worst revocation lag {max(report.lags)}s" if report.lags else ""
    return f"jit reconcile: {', '.join(parts)}{lag}"


def text(report: Report) -> str:
    lines = [headline(report)]
    for attr, title in _SECTIONS:
        items = getattr(report, attr)
        if items:
            lines.append(f"{title}:")
            lines += [f"  - {one_line(item)}" for item in items]
    if report.commits:
        lines.append(f"Commits: {', '.join(c[:12] for c in report.commits)}")
    return "\n".join(lines) + "\n"


def markdown(report: Report) -> str:
    lines = [f"## {esc(headline(report), 500)}", ""]
    for attr, title in _SECTIONS:
        items = getattr(report, attr)
        if items:
            lines += [f"### {title}", ""]
            lines += [f"- {esc(redact_secrets(item), 1000)}" for item in items]
            lines.append("")
    if report.commits:
        lines.append(f"Commits: {', '.join(f'`{c[:12]}`' for c in report.commits)}")
    return "\n".join(lines) + "\n"


def workflow_commands(report: Report) -> str:
    """``::error``/``::warning`` workflow commands for failures and drift."""
    out = [f"::error title=jit reconcile::{escape_data(one_line(item))}" for item in report.failed]
    out += [f"::warning title=jit drift::{escape_data(one_line(item))}" for item in report.drift]
    return "".join(line + "\n" for line in out)


def plan_text(plan: Plan) -> str:
    """``--dry-run``: what a run would do, without asking anyone anything."""
    rows = [f"grant (after re-verification): {d.request_id} -> {d.grant_id}" for d in plan.grant]
    rows += [f"wait until {d.not_before}: {d.request_id}" for d in plan.waiting]
    rows += [f"resume an unfinished grant: {r.grant_id}" for r in plan.resume]
    rows += [f"leave to the run issuing it: {r.grant_id}" for r in plan.in_flight]
    rows += [f"clean up ({a.reason}): {a.record.grant_id}" for a in plan.abandon]
    rows += [f"revoke ({r.reason}): {r.record.grant_id}" for r in plan.revoke]
    rows += [f"remind: {r.grant_id}" for r in plan.remind]
    rows += [f"active until {r.expires_at:%Y-%m-%d %H:%M:%S}Z: {r.grant_id}" for r in plan.active]
    return "jit reconcile --dry-run:\n" + "".join(
        f"  - {one_line(row)}\n" for row in rows or ["nothing"]
    )
