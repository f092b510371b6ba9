"""The fake GitHub's read-only admin routes ``jit doctor`` uses: the rules that apply to a
branch, a deployment environment, its deployment branch policies and its secrets' names.

State lives on the fake: ``fake.branch_rules`` (rule objects as GitHub returns them, e.g. from
``docs/setup/ruleset.json``) and ``fake.environments`` (name -> ``Environment``). Shapes follow
``repos/get-branch-rules``, ``repos/get-environment``, ``repos/list-deployment-branch-policies``
and ``actions/list-environment-secrets``; a token that may not read them gets GitHub's 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.github_routes import Req, Result, no_integration_access, not_found, route

if TYPE_CHECKING:
    from tests.fakes.github import FakeGitHub

STAMP = "2024-05-01T09:00:00Z"


@dataclass
class Environment:
    name: str
    id: int
    #: None: any branch may deploy; else the selected branches (type "branch") and tags.
    branches: list[tuple[str, str]] | None = field(default_factory=lambda: [("main", "branch")])
    secrets: list[str] = field(default_factory=list)


def _repo(fake: FakeGitHub, req: Req) -> None:
    fake.require_repo(req.params["owner"], req.params["repo"])


def _environment(fake: FakeGitHub, req: Req) -> Environment:
    _repo(fake, req)
    env = fake.environments.get(req.params["name"])
    if env is None:
        raise not_found()
    return env


@route("GET", "{repo}/rules/branches/{branch}", paginated=True)
def get_branch_rules(fake: FakeGitHub, req: Req) -> Result:
    _repo(fake, req)
    if req.params["branch"] != fake.repo.default_branch:
        return 200, []
    return 200, [
        {
            **rule,
            "ruleset_source_type": "Repository",
            "ruleset_source": fake.repo.full_name,
            "ruleset_id": 42,
        }
        for rule in fake.branch_rules
    ]


@route("GET", "{repo}/environments/{name}")
def get_environment(fake: FakeGitHub, req: Req) -> Result:
    env = _environment(fake, req)
    url = f"{fake.base_url}/repos/{fake.repo.full_name}/environments/{env.name}"
    policy = (
        None
        if env.branches is None
        else {"protected_branches": False, "custom_branch_policies": True}
    )
    body: dict[str, Any] = {
        "id": env.id,
        "node_id": f"EN_{env.id}",
        "name": env.name,
        "url": url,
        "html_url": f"{fake.urls.web}/{fake.repo.full_name}/deployments/activity_log"
        f"?environments_filter={env.name}",
        "created_at": STAMP,
        "updated_at": STAMP,
        "protection_rules": (
            []
            if env.branches is None
            else [{"id": env.id + 1, "node_id": f"GA_{env.id}", "type": "branch_policy"}]
        ),
        "deployment_branch_policy": policy,
    }
    return 200, body


@route("GET", "{repo}/environments/{name}/deployment-branch-policies")
def list_branch_policies(fake: FakeGitHub, req: Req) -> Result:
    env = _environment(fake, req)
    if env.branches is None:
        raise not_found()
    policies = [
        {"id": env.id + 10 + i, "node_id": f"DBP_{env.id}{i}", "name": name, "type": kind}
        for i, (name, kind) in enumerate(env.branches)
    ]
    return 200, {"total_count": len(policies), "branch_policies": policies}


@route("GET", "{repo}/environments/{name}/secrets")
def list_environment_secrets(fake: FakeGitHub, req: Req) -> Result:
    env = _environment(fake, req)
    if req.token.value not in fake.secret_readers:
        raise no_integration_access()
    secrets = [{"name": s, "created_at": STAMP, "updated_at": STAMP} for s in env.secrets]
    return 200, {"total_count": len(secrets), "secrets": secrets}
