"""``policies/settings.yaml`` -> ``Settings``, with environment variables applied on top.

Pure: the environment comes in as a mapping. Empty variables are ignored (GitHub Actions
expands an unset ``vars.X`` to an empty string). With error findings the returned settings
are the defaults (plus the environment); callers that act on settings must refuse to act.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

from jit.findings import Finding
from jit.model import KubernetesCluster, Principal, Settings, VaultSettings
from jit.parse.values import Problem, check_duration
from jit.parse.yaml.loader import Loaded, load_yaml
from jit.validators import is_valid

#: Environment variable -> the VaultSettings field it overrides.
ENV_OVERRIDES = {
    "VAULT_ADDR": "address",
    "VAULT_NAMESPACE": "namespace",
    "JIT_VAULT_ROLE": "auth_role",
    "JIT_VAULT_AUTH_PATH": "auth_mount",
    "JIT_VAULT_AUDIENCE": "oidc_audience",
}


def parse_settings(
    path: str, raw: bytes | None, env: Mapping[str, str]
) -> tuple[Settings, list[Finding]]:
    """Parse the settings file at ``path`` (``raw`` None: there is none, use the defaults)."""
    settings, findings = Settings(), []
    if raw is not None:
        loaded = load_yaml(path, raw)
        findings = loaded.findings
        if loaded.data is not None:
            if is_valid("settings", loaded.data):
                findings = _check(path, loaded)
                if not any(f.is_error for f in findings):
                    settings = _build(loaded.data)
            else:
                from jit.parse.schema_errors import schema_findings

                findings = [f for _, f in schema_findings(path, "settings", loaded)]
    return with_env(settings, env), findings


def with_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    """``settings`` with the Vault connection overridden by non-empty ``env`` variables."""
    changes: dict[str, Any] = {
        field: env[name] for name, field in ENV_OVERRIDES.items() if env.get(name)
    }
    return replace(settings, vault=replace(settings.vault, **changes)) if changes else settings


#: Durations under ``vault:`` (text in the file, seconds in ``VaultSettings``).
_DURATIONS = ("wrap_ttl", "max_ttl")


def _check(path: str, loaded: Loaded) -> list[Finding]:
    data = cast(dict[str, Any], loaded.data)
    findings: list[Finding] = []

    def add(key: str, code: str, message: str) -> None:
        line, column = loaded.positions.get(key) or (None, None)
        findings.append(Finding(path, line, column, code, "error", message))

    for key in _DURATIONS:
        value = data.get("vault", {}).get(key)
        if value is not None:
            seconds = check_duration(value, key)
            if isinstance(seconds, Problem):
                add(f"vault.{key}", seconds.code, seconds.message)
    for name, cluster in data.get("kubernetes", {}).get("clusters", {}).items():
        key = f"kubernetes.clusters.{name}"
        if ("ca_file" in cluster) == ("ca_data" in cluster):
            add(
                key,
                "cluster-ca",
                f"cluster {name} needs exactly one of ca_file and ca_data, the CA that "
                "signed its API server's certificate; jit does not fall back to the system CAs",
            )
        if "token_env" not in cluster and "vault_credentials" not in cluster:
            add(
                key,
                "cluster-credentials",
                f"cluster {name} has no credentials; add vault_credentials (a Vault "
                "Kubernetes secrets engine path, preferred) or token_env",
            )
    return findings


def _build(data: dict[str, Any]) -> Settings:
    vault: dict[str, Any] = dict(data.get("vault", {}))
    for key in _DURATIONS:
        if key in vault:
            vault[key] = check_duration(vault[key])  # _check vetted it
    vault_settings = VaultSettings(**vault)
    clusters = {
        name: KubernetesCluster(name=name, **spec)
        for name, spec in data.get("kubernetes", {}).get("clusters", {}).items()
    }
    defaults = Settings()
    bot = data.get("bot", {})
    return Settings(
        vault=vault_settings,
        kubernetes=clusters,
        delivery_fallback=data.get("delivery", {}).get("fallback", defaults.delivery_fallback),
        audit_dir=data.get("audit", {}).get("dir", defaults.audit_dir),
        state_dir=data.get("state", {}).get("dir", defaults.state_dir),
        revokers=tuple(Principal(name) for name in data.get("revokers", ())),
        bot_name=bot.get("name", defaults.bot_name),
        bot_email=bot.get("email", defaults.bot_email),
        bot_login=bot.get("login"),
        reminder_minutes=data.get("reminder_minutes", defaults.reminder_minutes),
    )
