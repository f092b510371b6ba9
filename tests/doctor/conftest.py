"""``jit doctor`` against the fakes: the reconcile tests' world (fake GitHub, Vault set up as
the guide says, a fake cluster), with main's ruleset and the ``jit-production`` environment set
up as docs/admin.md sections 2 and 3 say."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jit.commands import doctor
from tests.docs.guide import SETUP
from tests.fakes.github_routes_admin import Environment
from tests.reconcile.world import World


@dataclass
class Outcome:
    code: int
    out: str

    def status(self, name: str) -> str:
        return self.line(name).split()[0]

    def line(self, name: str) -> str:
        (found,) = [line for line in self.out.splitlines() if f" {name} " in f"{line} "]
        return found

    def checks(self) -> dict[str, dict[str, str]]:
        return {c["check"]: c for c in json.loads(self.out)["checks"]}


class DoctorWorld(World):
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(tmp_path, monkeypatch)
        ruleset: dict[str, Any] = json.loads((SETUP / "ruleset.json").read_text())
        self.github.branch_rules = ruleset["rules"]
        self.github.environments["jit-production"] = Environment(
            "jit-production", 9001, secrets=["JIT_APP_PRIVATE_KEY"]
        )
        self.github.secret_readers.add(self.github.APP_TOKEN)

    def doctor(self, fmt: str = "text", **env: str) -> Outcome:
        out = io.StringIO()
        merged = {**self.env(), **env}
        code = doctor.run(
            self.checkout(),
            fmt,
            env={k: v for k, v in merged.items() if v},
            out=out,
            sleep=self.sleeps.append,
        )
        return Outcome(code, out.getvalue())


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DoctorWorld]:
    w = DoctorWorld(tmp_path, monkeypatch)
    try:
        yield w
    finally:
        w.close()
