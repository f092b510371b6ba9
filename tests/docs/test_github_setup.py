"""docs/admin.md's GitHub set-up fits the workflows, CODEOWNERS, jit's code and GitHub's REST API:
the variables and secrets, the environment the Vault role binds, the ruleset and `gh api` calls."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from jit.pr.plan import STATUS_CONTEXT
from tests import contracts
from tests.adapters.vault import admin as vault_admin
from tests.docs import guide

WORKFLOWS = guide.ROOT / ".github" / "workflows"
RULESET = guide.SETUP / "ruleset.json"
APP_ID = "123456"  # the guide's stand-in for the jit App's ID (the bypass actor)
VALIDATOR_APP_ID = "234567"  # and for the jit validator App's (the source of jit/approval)
ACTIONS_APP_ID = 15368  # GitHub Actions, the source of workflow jobs' checks


def _workflow(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return data


def _referenced(kind: str) -> dict[str, set[str]]:
    """``vars`` or ``secrets`` name -> the workflow files that use it."""
    found: dict[str, set[str]] = {}
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for name in re.findall(rf"\b{kind}\.([A-Z0-9_]+)", path.read_text(encoding="utf-8")):
            found.setdefault(name, set()).add(path.name)
    return found


def test_the_table_of_variables_and_secrets_is_what_the_workflows_read() -> None:
    rows = guide.marked_table(guide.text(), "actions-config")
    table = {guide.code_spans(row[0])[0]: (row[1], set(guide.code_spans(row[3]))) for row in rows}
    expected = {n: ("variable", files) for n, files in _referenced("vars").items()}
    expected |= {n: ("secret", files) for n, files in _referenced("secrets").items()}
    assert table == expected


def test_the_gh_commands_set_every_variable_and_secret() -> None:
    words = [c.words for c in guide.shell_commands(guide.text()) if c.words[:1] == ["gh"]]
    variables = {w[3] for w in words if w[1:3] == ["variable", "set"]}
    secrets = {w[3] for w in words if w[1:3] == ["secret", "set"]}
    assert variables == set(_referenced("vars"))
    assert secrets == set(_referenced("secrets"))


def _jit_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (guide.ROOT / "jit").rglob("*.py"))


def test_jit_reads_every_variable_the_workflows_give_it() -> None:
    sources = _jit_sources()
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in _workflow(path.name)["jobs"].values():
            for step in job.get("steps", []):
                if str(step.get("run", "")).startswith("jit "):
                    unread = [k for k in step.get("env", {}) if f'"{k}"' not in sources]
                    assert unread == [], f"{path.name}: jit never reads {unread}"


def test_the_vault_role_binds_the_reconcile_job() -> None:
    claims = vault_admin.jwt_role()["bound_claims"]
    repository, workflow_ref = claims["repository"], claims["job_workflow_ref"]
    match = re.fullmatch(
        rf"{re.escape(repository)}/(\.github/workflows/[\w.-]+)@(.+)", workflow_ref
    )
    assert match and match.group(2) == claims["ref"] == "refs/heads/main"
    path = guide.ROOT / match.group(1)
    jobs = [j for j in _workflow(path.name)["jobs"].values() if j.get("environment")]
    assert [j["environment"] for j in jobs] == [claims["environment"]]
    assert jobs[0]["permissions"]["id-token"] == "write"
    env = next(s["env"] for s in jobs[0]["steps"] if str(s.get("run", "")).startswith("jit "))
    assert env["JIT_GIT_PUSH_TOKEN"] == "${{ steps.app.outputs.token }}"
    assert f"`{claims['environment']}`" in guide.text()


def _ruleset(app_id: str, validator_id: str) -> dict[str, Any]:
    text = RULESET.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(
        text.replace(APP_ID, app_id).replace(VALIDATOR_APP_ID, validator_id)
    )
    return data


def test_the_ruleset_requires_what_jit_and_ci_post_and_lets_only_the_app_bypass() -> None:
    # What the guide's sed replaces: the jit App bypasses, the validator App posts jit/approval.
    assert RULESET.read_text(encoding="utf-8").count(APP_ID) == 1
    assert RULESET.read_text(encoding="utf-8").count(VALIDATOR_APP_ID) == 1
    ruleset = _ruleset("42", "43")
    rules = {rule["type"]: rule.get("parameters") for rule in ruleset["rules"]}
    required = rules["required_status_checks"]["required_status_checks"]
    checks = {c["context"]: c["integration_id"] for c in required}
    [ci_job] = _workflow("ci.yml")["jobs"].items()
    assert checks == {STATUS_CONTEXT: 43, ci_job[1].get("name", ci_job[0]): ACTIONS_APP_ID}
    assert ruleset["bypass_actors"] == [
        {"actor_id": 42, "actor_type": "Integration", "bypass_mode": "always"}
    ]
    review = rules["pull_request"]
    assert review["require_code_owner_review"] and review["dismiss_stale_reviews_on_push"]
    assert review["required_approving_review_count"] == 0
    assert {"deletion", "non_fast_forward"} <= set(rules)
    assert ruleset["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]


def test_codeowners_owns_what_the_guide_says() -> None:
    owners: dict[str, list[str]] = {}
    for line in (guide.ROOT / ".github" / "CODEOWNERS").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, *who = line.split()
            owners[pattern] = who
    for row in guide.marked_table(guide.text(), "codeowners"):
        for pattern in (p for p in guide.code_spans(row[0]) if p.startswith(("/", "*"))):
            assert pattern in owners, f"CODEOWNERS has no line for {pattern}"
            assert bool(owners[pattern]) == (pattern != "/requests/"), pattern


def _fields(words: list[str]) -> dict[str, Any]:
    """``gh api`` -f (string) and -F (typed) fields, ``key[sub]=v`` nesting included."""
    body: dict[str, Any] = {}
    for flag, field in pairwise(words):
        if flag not in ("-f", "-F", "--field", "--raw-field"):
            continue
        key, value = field.split("=", 1)
        typed: Any = value
        if flag in ("-F", "--field"):
            typed = {"true": True, "false": False}.get(
                value, int(value) if value.isdigit() else value
            )
        *parents, leaf = re.findall(r"[^\[\]]+", key)
        node = body
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = typed
    return body


def _gh_api_calls() -> list[tuple[int, str, str, Any]]:
    calls = []
    for command in guide.shell_commands(guide.text()):
        words = command.words
        if "gh" not in words or words[words.index("gh") + 1] != "api":
            continue
        api = words[words.index("gh") + 1 :]
        method = api[api.index("--method") + 1] if "--method" in api else "GET"
        path = "/" + next(w for w in api[1:] if not w.startswith("-") and "/" in w)
        body: Any = _fields(api)
        if "--input" in api:
            source = api[api.index("--input") + 1]
            assert source != "-" or words[0] == "sed", f"docs/admin.md:{command.line}"
            file = words[words.index("gh") - 2] if source == "-" else source
            body = json.loads(Path(guide.ROOT / file).read_text().replace(APP_ID, "42"))
        calls.append((command.line, method, path, body))
    return calls


def test_every_gh_api_call_in_the_guide_is_a_valid_request() -> None:
    contracts.require_contracts(contracts.GITHUB_SPEC)
    calls = _gh_api_calls()
    assert {path for _, _, path, _ in calls} >= {"/repos/acme/access/rulesets"}
    for line, method, path, body in calls:
        template = contracts.path_template(path, method)
        pointer = contracts._pointer(
            "paths",
            template,
            method.lower(),
            "requestBody",
            "content",
            "application/json",
            "schema",
        )
        try:
            contracts._validator(pointer)(body)
        except AssertionError as err:
            pytest.fail(f"docs/admin.md:{line}: {method} {path}: {err}")
