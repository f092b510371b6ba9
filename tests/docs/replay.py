"""Running ``docs/admin.md``'s Vault and database steps, word for word, on a real OpenBao and
PostgreSQL (``tests/docs/test_admin_real.py``).

The steps are the guide's shell lines that start with ``vault``, ``bao`` or ``psql``, in the
guide's order, except the blocks marked ``<!-- vault only -->`` (HashiCorp Vault's GitHub auth
method) and :data:`NOT_RUN`. ``bash`` runs each line as shown, with ``vault`` and ``bao`` both
calling OpenBao's binary; only the example names of the guide's own table (its "Names used in
this guide") are replaced, as an admin would replace them (:data:`PLACEHOLDERS`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.docs import guide

RUNS = frozenset({"vault", "bao", "psql"})
VAULT_ONLY = "vault only"
OPENBAO = "openbao"
MARKERS = frozenset({VAULT_ONLY, OPENBAO})

#: Shown in the guide, not run by the replay: what the test does instead.
NOT_RUN = {
    "bao login -method=oidc -path=github": (
        "a browser sign-in: the test makes the same OIDC login through OpenBao's HTTP API "
        "(auth_url, the provider's code, callback)"
    ),
}

#: The guide's example names that point at servers, and the name of their stand-in.
PLACEHOLDERS = {
    "https://token.actions.githubusercontent.com": "actions issuer",
    "https://dex.example.com": "dex issuer",
    "db.internal:5432": "postgres",
}

_PRELUDE = """set -eo pipefail
vault() { "$REPLAY_BAO" "$@"; }
bao() { "$REPLAY_BAO" "$@"; }
psql() { "$REPLAY_PSQL" "$@"; }
"""


@dataclass(frozen=True)
class Line:
    command: guide.Command
    marker: str | None  # the marker of its block: "vault only", "openbao" or None

    @property
    def where(self) -> str:
        return f"docs/admin.md:{self.command.line}: {self.command.text}"


def lines(source: str) -> list[Line]:
    """Every shell line of the guide that starts with ``vault``, ``bao`` or ``psql``."""
    return [
        Line(command, block.marker)
        for block in guide.blocks(source)
        if block.info in guide.SHELLS
        for command in guide.commands(block)
        if command.words[:1] and command.words[0] in RUNS
    ]


def on_openbao(source: str) -> list[Line]:
    return [
        line
        for line in lines(source)
        if line.marker != VAULT_ONLY and line.command.text not in NOT_RUN
    ]


def substitute(text: str, values: Mapping[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


@dataclass(frozen=True)
class Shell:
    """``bash`` in ``cwd`` (which has the repository's ``docs/``) with ``env``."""

    cwd: Path
    env: Mapping[str, str]
    values: Mapping[str, str]  # placeholder -> its stand-in here

    def run(self, line: Line) -> subprocess.CompletedProcess[str]:
        return self.script(substitute(line.command.text, self.values))

    def script(self, text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", _PRELUDE + text],
            cwd=self.cwd,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
