"""A request file -> ``Request``, or findings that say what to fix and where."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jit.findings import Finding
from jit.model import Request
from jit.parse.values import (
    Problem,
    check_duration,
    check_login,
    check_request_path,
    check_timestamp,
    quote,
)
from jit.parse.yaml.loader import Loaded, load_yaml
from jit.redact import text_refusal
from jit.validators import is_valid

if TYPE_CHECKING:
    from jit.parse.schema_errors import Overrides

#: Fields whose bad values get a field-specific explanation instead of the schema's.
OVERRIDES: Overrides = {
    "requester": lambda v: _problem(check_login(v)),
    "duration": lambda v: _problem(check_duration(v)),
    "not_before": lambda v: _problem(check_timestamp(v)),
}


def _problem(result: object) -> Problem | None:
    return result if isinstance(result, Problem) else None


def parse_request(path: str, raw: bytes) -> tuple[Request | None, list[Finding]]:
    """Parse the request file at ``path`` (repository-relative, ``requests/<login>/<name>.yaml``).

    Returns the request, or None with at least one error finding. Never raises on bad input.
    """
    findings: list[Finding] = []
    bad_path = check_request_path(path)
    if bad_path is not None:
        findings.append(Finding(path, None, None, bad_path.code, "error", bad_path.message))
    loaded = load_yaml(path, raw)
    if loaded.data is None:
        return None, findings + loaded.findings
    data = loaded.data
    if not is_valid("request", data):
        from jit.parse.schema_errors import schema_findings

        explained = schema_findings(path, "request", loaded, OVERRIDES)
        return None, findings + [finding for _, finding in explained]
    request, problems = _build(path, data, loaded)
    findings.extend(problems)
    findings.extend(_guarded_fields(path, data, loaded))
    if bad_path is None and data["requester"] != path.split("/")[1]:
        findings.append(
            _at(
                path,
                loaded,
                "requester",
                "requester-mismatch",
                f"the file is in requests/{path.split('/')[1]}/ but requester is "
                f"{quote(data['requester'])}; a request lives in the requester's own directory, "
                f"requests/{data['requester']}/",
            )
        )
    if any(f.is_error for f in findings):
        return None, findings
    return request, findings


def _build(path: str, data: dict[str, object], loaded: Loaded) -> tuple[Request, list[Finding]]:
    """The request from schema-valid data, plus what the schema cannot check."""
    findings: list[Finding] = []
    duration_text = str(data["duration"])
    duration = check_duration(duration_text)
    if isinstance(duration, Problem):
        findings.append(_at(path, loaded, "duration", duration.code, duration.message))
        duration = 0
    not_before = None
    if "not_before" in data:
        stamp = check_timestamp(str(data["not_before"]))
        if isinstance(stamp, Problem):
            findings.append(_at(path, loaded, "not_before", stamp.code, stamp.message))
        else:
            not_before = stamp
    reason = str(data["reason"])
    if not reason.strip():
        findings.append(
            _at(path, loaded, "reason", "reason-blank", "reason is blank; say why you need access")
        )
    ticket = data.get("ticket")
    request = Request(
        id=path[: -len(".yaml")] if path.endswith(".yaml") else path,
        path=path,
        requester=str(data["requester"]),
        resource=str(data["resource"]),
        duration=duration,
        duration_text=duration_text,
        reason=reason,
        ticket=str(ticket) if ticket is not None else None,
        not_before=not_before,
        positions=loaded.positions,
    )
    return request, findings


#: Fields that reach the audit log or a PR comment.
GUARDED_FIELDS = ("requester", "resource", "reason", "ticket")


def _guarded_fields(path: str, data: dict[str, object], loaded: Loaded) -> list[Finding]:
    """A field the audit log's secret guard would refuse is an error here, when the PR is
    validated, and again at merge (where it denies the request): never a surprise in the log."""
    findings = []
    for key in GUARDED_FIELDS:
        value = data.get(key)
        why = text_refusal(value) if isinstance(value, str) else None
        if why is not None:
            message = (
                f"{key} cannot be recorded: {why}. jit writes {key} to the audit log and to "
                "PR comments, which never hold credentials; rephrase it without the credential "
                "(and if it is a real one, revoke it: it is public in this pull request now)"
            )
            findings.append(_at(path, loaded, key, "secret-looking", message))
    return findings


def _at(path: str, loaded: Loaded, key: str, code: str, message: str) -> Finding:
    line, column = loaded.positions.get(key) or loaded.positions.get("") or (None, None)
    return Finding(path, line, column, code, "error", message)
