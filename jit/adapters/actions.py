"""The GitHub Actions side of a run: its environment, the event payload, workflow commands
(annotations, masks) and the job summary. Annotation escaping lives in ``jit.output``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jit.errors import JitError
from jit.findings import Finding
from jit.output import annotation as _annotation
from jit.output import escape_data
from jit.redact import redact_secrets

#: GitHub refuses a step summary above 1024 KiB ("$GITHUB_STEP_SUMMARY upload aborted").
SUMMARY_LIMIT = 1024 * 1024
#: Webhook payloads are capped at 25 MB; refuse anything larger than that outright.
EVENT_LIMIT = 32 * 1024 * 1024
TRUNCATED = "\n\n*(Truncated: a job summary holds at most 1 MiB.)*\n"


@dataclass(frozen=True)
class ActionsEnv:
    """The standard variables of a workflow run (empty or None outside Actions)."""

    event_name: str
    event_path: Path | None
    repository: str
    api_url: str
    server_url: str
    run_id: str | None
    sha: str | None
    ref: str | None
    step_summary: Path | None
    in_actions: bool

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ActionsEnv:
        def path(name: str) -> Path | None:
            return Path(env[name]) if env.get(name) else None

        return cls(
            event_name=env.get("GITHUB_EVENT_NAME", ""),
            event_path=path("GITHUB_EVENT_PATH"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            run_id=env.get("GITHUB_RUN_ID") or None,
            sha=env.get("GITHUB_SHA") or None,
            ref=env.get("GITHUB_REF") or None,
            step_summary=path("GITHUB_STEP_SUMMARY"),
            in_actions=env.get("GITHUB_ACTIONS") == "true",
        )

    @property
    def run_url(self) -> str | None:
        """The run's page, for status ``target_url`` and comments."""
        if not self.repository or not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"


def load_event(path: Path | str | None) -> dict[str, Any]:
    """The webhook payload at ``GITHUB_EVENT_PATH``: a JSON object, or a ``JitError``."""
    if path is None or str(path) == "":
        raise JitError("GITHUB_EVENT_PATH is not set: run jit pr inside a GitHub Actions job.")
    file = Path(path)
    try:
        if file.stat().st_size > EVENT_LIMIT:
            raise JitError(f"{file}: the event payload is larger than 32 MiB; refusing to read it.")
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise JitError(f"{file}: cannot read the event payload ({exc.strerror}).") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise JitError(f"{file}: the event payload is not valid JSON ({exc}).") from exc
    if not isinstance(data, dict):
        raise JitError(f"{file}: the event payload is not a JSON object.")
    return data


def annotation(finding: Finding) -> str:
    """An ``::error file=...,line=...::message`` workflow command (see ``jit.output``)."""
    return _annotation(finding)


def add_mask(value: str) -> str:
    """The ``::add-mask::`` command(s) hiding ``value`` in later log lines; print it before the
    value could ever appear. A multi-line value is masked whole and line by line."""
    if not value.strip():
        return ""
    parts = [value] + [line for line in value.splitlines() if line.strip() and line != value]
    return "\n".join(f"::add-mask::{escape_data(part)}" for part in parts)


def write_summary(path: Path | str | None, markdown: str) -> bool:
    """Append ``markdown`` to the job summary, keeping the file within 1 MiB (truncating with
    a note). Returns False when there is no summary file (outside Actions)."""
    if path is None or str(path) == "":
        return False
    file = Path(path)
    used = file.stat().st_size if file.exists() else 0
    data = redact_secrets(markdown).encode("utf-8")  # the one writer of the job summary
    room = SUMMARY_LIMIT - used
    if len(data) > room:
        note = TRUNCATED.encode("utf-8")
        keep = max(0, room - len(note))
        data = data[:keep].decode("utf-8", errors="ignore").encode("utf-8")
        data += note if room >= len(note) else b""
    with file.open("ab") as out:
        out.write(data)
    return True
