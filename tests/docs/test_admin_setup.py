"""docs/admin.md shows exactly the Vault and Kubernetes set-up the tests replay on the fakes:
the same commands in the same order, the same files, and settings that fit them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from jit.parse.settings import parse_settings
from tests.adapters.kube import admin as kube_admin
from tests.adapters.vault import admin as vault_admin
from tests.docs import guide
from tests.fakes.vault.acl import parse

#: Every list of set-up commands the tests replay (or, for kubectl, read the manifest of).
LISTS: dict[str, list[str]] = {
    "tests/adapters/vault/admin.py steps()": [s.cli for s in vault_admin.steps()],
    "tests/adapters/kube/admin.py VAULT_STEPS": [s.cli for s in kube_admin.VAULT_STEPS],
    "tests/adapters/kube/admin.py KUBECTL": list(kube_admin.KUBECTL),
}
REPLAYED = [s for s in vault_admin.steps() + kube_admin.VAULT_STEPS if s.path is not None]
TOOLS = ("vault", "kubectl")


def _key(command: str) -> tuple[str, ...]:
    return tuple(guide.Command(command, 0).words)


def _shown() -> list[guide.Command]:
    return [
        c for c in guide.shell_commands(guide.text()) if c.words[:1] in (["vault"], ["kubectl"])
    ]


def test_every_vault_and_kubectl_command_shown_is_a_tested_step() -> None:
    known = {_key(cli) for clis in LISTS.values() for cli in clis}
    unknown = [f"docs/admin.md:{c.line}: {c.text}" for c in _shown() if tuple(c.words) not in known]
    assert unknown == [], "add these to a steps list in tests/vault or tests/kube, or fix them"


@pytest.mark.parametrize("name", LISTS)
def test_every_step_is_shown_in_its_order(name: str) -> None:
    shown = [tuple(c.words) for c in _shown()]
    missing = [cli for cli in LISTS[name] if _key(cli) not in shown]
    assert missing == [], f"docs/admin.md does not show these steps of {name}"
    positions = [shown.index(_key(cli)) for cli in LISTS[name]]
    assert positions == sorted(positions), f"docs/admin.md shows {name} out of order"


def test_no_vault_or_kubectl_command_hides_inside_another_line() -> None:
    inner = re.compile(r"(\$\(|&&|;|\|\|)\s*(vault|kubectl)\b|`(vault|kubectl) ")
    hidden = [
        f"docs/admin.md:{c.line}: {c.text}"
        for c in guide.shell_commands(guide.text())
        if inner.search(c.text)
    ]
    assert hidden == [], "start a line with the command, so that this test checks it"


def _as_cli(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _sent(words: list[str]) -> tuple[str, dict[str, Any]]:
    """The path and body the ``vault`` CLI sends for a ``policy write`` or ``write`` command."""
    if words[:3] == ["vault", "policy", "write"]:
        name, file = words[3:5]
        return f"sys/policies/acl/{name}", {"policy": (guide.ROOT / file).read_text()}
    if words[:3] == ["vault", "auth", "tune"]:
        *flags, mount = words[3:]
        body = dict(f.lstrip("-").replace("-", "_").split("=", 1) for f in flags)
        return f"sys/auth/{mount.rstrip('/')}/tune", body
    assert words[:2] == ["vault", "write"], f"no rule for what {words[:3]} sends"
    path, args = words[2], words[3:]
    if len(args) == 1 and args[0].startswith("@"):
        return path, json.loads((guide.ROOT / args[0][1:]).read_text())
    return path, dict(arg.split("=", 1) for arg in args)


@pytest.mark.parametrize("step", REPLAYED, ids=[s.path or "" for s in REPLAYED])
def test_each_replayed_step_sends_what_its_command_says(step: Any) -> None:
    path, body = _sent(list(_key(step.cli)))
    assert path == step.path
    if set(body) == {"policy"} or step.cli.split()[-1].startswith("@"):
        assert body == step.body
    else:
        offline = getattr(step, "offline", ())
        assert {k: v for k, v in body.items() if k not in offline} == {
            k: _as_cli(v) for k, v in step.body.items()
        }
        assert set(offline) <= set(body), "offline names arguments the command does not have"


def test_the_files_the_commands_name_exist() -> None:
    named = {
        word.lstrip("@")
        for clis in LISTS.values()
        for cli in clis
        for word in _key(cli)
        if word.lstrip("@").startswith("docs/")
    }
    assert named and all((guide.ROOT / n).is_file() for n in named), named
    applied = [c for c in kube_admin.KUBECTL if c.startswith("kubectl apply -f ")]
    assert [guide.ROOT / c.split()[-1] for c in applied] == [kube_admin.MANIFEST]


def test_the_guide_and_docs_setup_name_each_other() -> None:
    named = set(re.findall(r"docs/setup/([\w.-]+)", guide.text()))
    present = {p.name for p in guide.SETUP.iterdir()}
    assert named - present == set(), "the guide names files docs/setup lacks"
    assert present - named == set(), "docs/setup holds files the guide never names"


def test_the_files_shown_are_the_files() -> None:
    checked = 0
    for block in guide.blocks(guide.text()):
        kind, _, name = (block.marker or "").partition(": ")
        if kind in ("file", "excerpt"):
            content = (guide.ROOT / name).read_text(encoding="utf-8")
            where = f"docs/admin.md:{block.line} shows {name}"
            assert block.text == content if kind == "file" else block.text in content, where
            checked += 1
    assert checked >= 5


def test_the_policy_table_is_the_policy() -> None:
    table = {
        (guide.code_spans(row[0])[0], frozenset(guide.code_spans(row[1])))
        for row in guide.marked_table(guide.text(), "rules: docs/setup/jit-job.hcl")
    }
    rules = {(r.pattern, r.capabilities) for r in parse(vault_admin.policy_text("jit-job"))}
    assert table == rules


def _settings_block() -> bytes:
    [block] = [b for b in guide.blocks(guide.text()) if b.marker == "settings"]
    return block.text.encode()


def _step(prefix: str) -> Any:
    return next(s for s in REPLAYED if s.path and s.path.startswith(prefix))


def test_the_settings_shown_are_valid_and_fit_the_setup() -> None:
    settings, findings = parse_settings("policies/settings.yaml", _settings_block(), {})
    assert findings == []
    vault = settings.vault
    assert f"vault auth enable {vault.auth_mount}" in LISTS["tests/adapters/vault/admin.py steps()"]
    assert _step(f"auth/{vault.auth_mount}/role/").path.endswith(f"/{vault.auth_role}")
    assert vault.oidc_audience in vault_admin.jwt_role()["bound_audiences"]
    assert _step("auth/token/roles/").path == f"auth/token/roles/{vault.token_role}"
    assert (
        f"vault auth enable {vault.identity_mount}"
        in LISTS["tests/adapters/vault/admin.py steps()"]
    )
    [cluster] = settings.kubernetes.values()
    assert cluster.vault_credentials == kube_admin.CREDS_PATH
    role = _step(kube_admin.CREDS_PATH.replace("/creds/", "/roles/"))
    assert cluster.vault_namespace in role.body["allowed_kubernetes_namespaces"]
    config = next(
        c for c in LISTS["tests/adapters/kube/admin.py VAULT_STEPS"] if "kubernetes/config" in c
    )
    assert f"kubernetes_host={cluster.server}" in _key(config)


def test_the_role_grants_the_job_the_kubernetes_policy() -> None:
    policy = _step("sys/policies/acl/jit-kube")
    assert "jit-kube" in vault_admin.jwt_role()["token_policies"]
    assert [r.pattern for r in parse(policy.body["policy"])] == [kube_admin.CREDS_PATH]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_within_the_guide_finds_its_heading() -> None:
    source = guide.text()
    prose = re.sub(r"^\s*```.*?^\s*```", "", source, flags=re.MULTILINE | re.DOTALL)
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", prose, flags=re.MULTILINE)}
    links = set(re.findall(r"\]\(#([^)]+)\)", source))
    assert links and links <= anchors, links - anchors
    files = set(re.findall(r"\]\(([^)#:]+)\)", source))
    assert all((guide.GUIDE.parent / f).exists() for f in files), files
