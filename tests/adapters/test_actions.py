"""The Actions adapter: environment, event payload, workflow commands and the job summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jit.adapters.actions import (
    SUMMARY_LIMIT,
    ActionsEnv,
    add_mask,
    annotation,
    load_event,
    write_summary,
)
from jit.errors import JitError
from jit.findings import Finding


def test_env_reads_the_standard_variables(tmp_path: Path) -> None:
    env = ActionsEnv.from_env(
        {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
            "GITHUB_REPOSITORY": "acme/access",
            "GITHUB_API_URL": "https://ghe.example/api/v3/",
            "GITHUB_SERVER_URL": "https://ghe.example",
            "GITHUB_RUN_ID": "42",
            "GITHUB_SHA": "abc",
            "GITHUB_REF": "refs/pull/1/merge",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        }
    )
    assert env.in_actions and env.event_name == "pull_request"
    assert env.event_path == tmp_path / "event.json"
    assert env.api_url == "https://ghe.example/api/v3"
    assert env.run_url == "https://ghe.example/acme/access/actions/runs/42"
    assert (env.sha, env.ref, env.step_summary) == (
        "abc",
        "refs/pull/1/merge",
        tmp_path / "summary.md",
    )


def test_env_outside_actions_has_defaults() -> None:
    env = ActionsEnv.from_env({})
    assert not env.in_actions and env.event_path is None and env.step_summary is None
    assert env.api_url == "https://api.github.com" and env.run_url is None


def test_load_event(tmp_path: Path) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"action": "opened", "number": 1}))
    assert load_event(path) == {"action": "opened", "number": 1}
    with pytest.raises(JitError, match="GITHUB_EVENT_PATH is not set"):
        load_event(None)
    with pytest.raises(JitError, match="cannot read the event payload"):
        load_event(tmp_path / "missing.json")
    path.write_text("{not json")
    with pytest.raises(JitError, match="not valid JSON"):
        load_event(path)
    path.write_text("[1, 2]")
    with pytest.raises(JitError, match="not a JSON object"):
        load_event(str(path))
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(JitError, match="not valid JSON"):
        load_event(path)


def test_annotation_escapes_hostile_text() -> None:
    finding = Finding("requests/a,b:c.yaml", 4, 2, "bad", "error", "50% off\n::error::x")
    assert annotation(finding) == (
        "::error file=requests/a%2Cb%3Ac.yaml,line=4,col=2,title=jit bad::50%25 off%0A::error::x"
    )


def test_add_mask() -> None:
    assert add_mask("s3cr%t") == "::add-mask::s3cr%25t"
    assert add_mask("line1\nline2") == (
        "::add-mask::line1%0Aline2\n::add-mask::line1\n::add-mask::line2"
    )
    assert add_mask("  ") == ""


def test_write_summary_appends(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    assert write_summary(path, "# one\n") and write_summary(path, "two ✓\n")
    assert path.read_text(encoding="utf-8") == "# one\ntwo ✓\n"
    assert not write_summary(None, "x") and not write_summary("", "x")


def test_write_summary_stays_within_one_mib(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_bytes(b"x" * (SUMMARY_LIMIT - 1000))
    write_summary(path, "é" * 5000)
    text = path.read_text(encoding="utf-8")  # still valid UTF-8: cut on a character
    assert path.stat().st_size <= SUMMARY_LIMIT
    assert text.endswith("*(Truncated: a job summary holds at most 1 MiB.)*\n")
    write_summary(path, "more")
    assert path.stat().st_size <= SUMMARY_LIMIT


def test_load_event_refuses_huge_payloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jit.adapters.actions.EVENT_LIMIT", 10)
    path = tmp_path / "event.json"
    path.write_text(json.dumps({"action": "opened", "padding": "x" * 20}))
    with pytest.raises(JitError, match="larger than 32 MiB"):
        load_event(path)


def test_the_job_summary_is_redacted_where_it_is_written(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    assert write_summary(summary, "Vault said hvs." + "D" * 24 + "\n")
    assert summary.read_text() == "Vault said [redacted]\n"
