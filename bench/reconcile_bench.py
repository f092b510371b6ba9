"""Benchmark `jit reconcile` granting N approved requests in one run, against a naive baseline.

    python bench/reconcile_bench.py [--requests 1000] [--users 50] [--no-baseline]

Builds the test world (tests/reconcile/world.py): a bare git remote, the fake GitHub, Vault and
Kubernetes, a fake clock. N request PRs (a quarter of each grant kind, by USERS requesters) are
opened, approved and merged, one merge commit each on main. Then, in one process, it runs:

- **jit**: `jit reconcile` as shipped: one intent commit, then one result commit, each pushed
  once;
- **naive**: the same run, except every change is committed and pushed on its own (an intent
  commit and push, then a result commit and push, per grant): the obvious implementation.

For each it measures wall time, Vault calls (total and per grant), GitHub API calls, commits
pushed, and peak Python memory (tracemalloc, in a second pass, since tracing slows the run).
Both runs start from identical, freshly built worlds. Results go to stdout and to
bench/out/reconcile_bench.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402  (MonkeyPatch outside a test session)

from jit.commands import reconcile as command  # noqa: E402
from jit.reconcile.changes import Change, Committed, Committer  # noqa: E402
from tests.reconcile.gitrepo import git  # noqa: E402
from tests.reconcile.world import World  # noqa: E402

RESOURCES = ("db-read", "db-token", "db-group", "orders-debug")
KIND_OF = {
    "db-read": "vault-credentials",
    "db-token": "vault-token",
    "db-group": "vault-group",
    "orders-debug": "kubernetes-rolebinding",
}


class NaiveCommitter(Committer):
    """The baseline: one commit and one push per change."""

    def commit(self, subject: str, changes: Sequence[Change], now: datetime) -> Committed:
        landed: list[Change] = []
        dropped: list[Change] = []
        sha = None
        attempts = 0
        for change in changes:
            done = super().commit(subject, [change], now)
            landed += done.landed
            dropped += done.dropped
            sha = done.commit or sha
            attempts += done.attempts
        return Committed(tuple(landed), tuple(dropped), sha, attempts)


@dataclass
class Measure:
    mode: str
    requests: int
    code: int
    seconds: float
    vault_calls: int
    vault_by_path: dict[str, int]
    github_calls: int
    github_by_route: dict[str, int]
    commits: int
    granted: int
    peak_mib: float | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def hermetic_env(home: Path) -> None:
    os.environ.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.test",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.test",
    )
    for var in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "VAULT_TOKEN", "VAULT_ADDR"):
        os.environ.pop(var, None)


def populate(world: World, requests: int, users: int, identity: Callable[[str], None]) -> None:
    """``requests`` merged request PRs (one merge commit on main each) by ``users`` people, each
    with an SSH key and a Vault identity (``identity(login)``)."""
    logins = [f"user{i:03d}" for i in range(users)]
    world.github.add_team("acme/engineering", logins)
    for login in logins:
        world.add_key(login)
        identity(login)
    plans = []
    for i in range(requests):
        login, resource = logins[i % users], RESOURCES[i % len(RESOURCES)]
        path = f"requests/{login}/r{i:05d}.yaml"
        text = world.request_text(login, resource, "2h")
        pr = world.github.add_pull(login, {path: text})
        world.github.add_review(pr, "carol")
        plans.append((pr, world.github.merge(pr), path, text))
    shas = fast_import(world, [(path, text, pr.number) for pr, _, path, text in plans])
    index: dict[str, list[object]] = {}
    for (pr, fake_sha, _, _), real_sha in zip(plans, shas, strict=True):
        world._alias(fake_sha, real_sha)
        pr.merge_commit_sha = real_sha
        index[real_sha] = [pr]
    # The fake walks all history per lookup (fine for tests, quadratic here): index it.
    world.github.pulls_with_commit = lambda sha: index.get(sha, [])  # type: ignore[method-assign,assignment,return-value]


def build(base: Path, requests: int, users: int) -> tuple[World, pytest.MonkeyPatch]:
    """A world with ``requests`` merged request PRs (one merge commit on main each)."""
    mp = pytest.MonkeyPatch()
    world = World(base, mp)
    populate(world, requests, users, world.vault.add_entity)
    return world, mp


def fast_import(world: World, files: list[tuple[str, str, int]]) -> list[str]:
    """One commit per file on main, written in one `git fast-import`, then pushed once."""
    work = world.remote.work
    parent = git(work, "rev-parse", "HEAD").strip()
    stream = io.BytesIO()
    stamp = 1767600000
    for n, (path, text, number) in enumerate(files, start=1):
        message = f"Request access (#{number})\n".encode()
        content = text.encode()
        stream.write(b"commit refs/heads/main\n")
        stream.write(f"mark :{n}\n".encode())
        stream.write(f"committer Merge <merge@example.test> {stamp + n} +0000\n".encode())
        stream.write(b"data %d\n%s" % (len(message), message))
        if n == 1:
            stream.write(f"from {parent}\n".encode())
        stream.write(f"M 100644 inline {path}\n".encode())
        stream.write(b"data %d\n%s\n" % (len(content), content))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=work, input=stream.getvalue(), check=True)
    git(work, "reset", "--quiet", "--hard", "main")
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-list", "--reverse", f"{parent}..main").split()


def route(path: str) -> str:
    path = re.sub(r"/contents/.*", "/contents/{path}", path)
    path = re.sub(r"/(users|memberships)/[^/]+", r"/\1/{login}", path)
    return re.sub(r"/\d+(?=/|$)", "/{n}", re.sub(r"/[0-9a-f]{40}", "/{sha}", path))


def measure(mode: str, world: World, requests: int, memory: bool) -> Measure:
    vault_before, github_before = len(world.vault.requests), len(world.github.calls)
    head_before = world.remote.log("-1", "--format=%H").strip()
    root = world.remote.clone()
    out = io.StringIO()
    seams = command.Seams(
        env=world.env(), clock=world.clock.now, out=out, sleep=world.sleeps.append
    )
    if mode == "naive":
        command.Committer = NaiveCommitter  # type: ignore[misc]
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        code = command.run(root, False, True, seams=seams)
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if memory else None
        if memory:
            tracemalloc.stop()
        command.Committer = Committer  # type: ignore[misc]
    vault = world.vault.requests[vault_before:]
    calls = world.github.calls[github_before:]
    commits = len(world.remote.log(f"{head_before}..main", "--format=%H").split())
    return Measure(
        mode=mode,
        requests=requests,
        code=code,
        seconds=round(seconds, 2),
        vault_calls=len(vault),
        vault_by_path=dict(
            Counter(f"{r.method} {re.sub(r'/[^/]*jit-[^/]+$', '/jit-*', r.path)}" for r in vault)
        ),
        github_calls=len(calls),
        github_by_route=dict(Counter(f"{c.method} {route(c.path)}" for c in calls)),
        commits=commits,
        granted=len(world.records()),
        peak_mib=None if peak is None else round(peak, 1),
    )


def one(mode: str, requests: int, users: int, memory: bool) -> Measure:
    with tempfile.TemporaryDirectory(prefix=f"jit-bench-{mode}-") as tmp:
        base = Path(tmp)
        hermetic_env(base / "home")
        (base / "home").mkdir()
        world, mp = build(base / "world", requests, users)
        try:
            return measure(mode, world, requests, memory)
        finally:
            world.close()
            mp.undo()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    modes = ["jit"] if args.no_baseline else ["jit", "naive"]
    results: dict[str, dict[str, object]] = {}
    for mode in modes:
        timed = one(mode, args.requests, args.users, memory=False)
        traced = one(mode, args.requests, args.users, memory=True)
        timed.peak_mib = traced.peak_mib
        results[mode] = timed.as_dict()
        vault_grants = args.requests * 3 // 4
        print(
            f"{mode:>5}: exit {timed.code}, {timed.granted} granted in {timed.seconds:.1f} s; "
            f"{timed.commits} commits; Vault {timed.vault_calls} calls "
            f"({timed.vault_calls / max(1, vault_grants):.2f} per Vault grant); GitHub "
            f"{timed.github_calls} calls ({timed.github_calls / args.requests:.2f} per grant); "
            f"peak {timed.peak_mib} MiB"
        )
    if "naive" in results:
        jit, naive = results["jit"], results["naive"]
        ratios = {
            key: round(float(jit[key]) / float(naive[key]), 3)  # type: ignore[arg-type]
            for key in ("seconds", "commits", "vault_calls", "github_calls", "peak_mib")
            if naive.get(key)
        }
        results["ratio_jit_over_naive"] = ratios  # type: ignore[assignment]
        print("ratio jit/naive: " + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    results["machine"] = {"python": platform.python_version(), "platform": platform.platform()}  # type: ignore[assignment]
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "reconcile_bench.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
