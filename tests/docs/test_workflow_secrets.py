"""Secrets scoped to main (issue 9, finding 4).

A repository secret reaches every workflow a push or a same-repository PR runs, on any branch:
anyone with write access could push a branch with a workflow that prints it. So jit's App keys
are secrets of environments that only main may use, and each job that reads one names its
environment. These checks read the shipped workflows as data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.docs import guide

WORKFLOWS = sorted((guide.ROOT / ".github" / "workflows").glob("*.yml"))
#: Each App key, and the one environment (restricted to main) it lives in.
KEY_ENVIRONMENTS = {
    "JIT_APP_PRIVATE_KEY": "jit-production",
    "JIT_VALIDATOR_APP_PRIVATE_KEY": "jit-validator",
}
#: Events whose runs use a workflow file from a branch that is not main's reviewed copy.
UNTRUSTED = {
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
    "create",
    "delete",
    "fork",
    "discussion",
    "discussion_comment",
    "merge_group",
}


def _load(path: Path) -> dict[Any, Any]:
    data: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get(True, workflow.get("on"))  # YAML 1.1 reads the key `on` as True
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict)
    return on


def _environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    return env.get("name") if isinstance(env, dict) else env


def _secrets(text: str) -> set[str]:
    return set(re.findall(r"\bsecrets\.([A-Za-z0-9_]+)", text))


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_job_that_reads_an_app_key_runs_in_its_main_only_environment(path: Path) -> None:
    for name, job in _load(path)["jobs"].items():
        for secret in _secrets(yaml.safe_dump(job)):
            assert secret in KEY_ENVIRONMENTS, f"{path.name}:{name} reads unknown secret {secret}"
            assert _environment(job) == KEY_ENVIRONMENTS[secret], (
                f"{path.name}:{name} reads {secret} outside the {KEY_ENVIRONMENTS[secret]} "
                "environment, so a repository secret would be needed, which any branch can read"
            )


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_workflow_run_from_an_untrusted_event_references_a_secret(path: Path) -> None:
    workflow = _load(path)
    triggers = _triggers(workflow)
    push = triggers.get("push")
    untrusted = set(triggers) & UNTRUSTED
    if "push" in triggers and (not isinstance(push, dict) or push.get("branches") != ["main"]):
        untrusted.add("push (not only main)")
    if untrusted:
        assert _secrets(path.read_text(encoding="utf-8")) == set(), (
            f"{path.name} runs on {sorted(untrusted)} and must not reference secrets"
        )
        for name, job in workflow["jobs"].items():
            assert _environment(job) is None, f"{path.name}:{name} names an environment"


def test_each_app_key_has_its_own_job() -> None:
    readers: dict[str, list[str]] = {}
    for path in WORKFLOWS:
        for name, job in _load(path)["jobs"].items():
            for secret in _secrets(yaml.safe_dump(job)):
                readers.setdefault(secret, []).append(f"{path.name}:{name}")
    assert readers == {
        "JIT_APP_PRIVATE_KEY": ["reconcile.yml:reconcile"],
        "JIT_VALIDATOR_APP_PRIVATE_KEY": ["validate.yml:validate"],
    }


def test_the_validator_token_cannot_write_contents() -> None:
    (job,) = _load(guide.ROOT / ".github" / "workflows" / "validate.yml")["jobs"].values()
    app = next(s for s in job["steps"] if s.get("id") == "app")["with"]
    asked = {k: v for k, v in app.items() if k.startswith("permission-")}
    assert asked == {
        "permission-members": "read",
        "permission-pull-requests": "write",
        "permission-statuses": "write",
        "permission-contents": "read",
    }
    assert job["permissions"].get("contents") == "read"
