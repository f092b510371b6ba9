"""Benchmark an idle sweep: the checkout-only decision against the full `jit reconcile`.

    python bench/idle_sweep_bench.py [--grants 10000] [--users 500] [--runs 5]

Builds the test world (tests/reconcile/world.py, as bench/reconcile_bench.py does): GRANTS
request PRs merged on main (a quarter of each grant kind), then one full `jit reconcile`
grants them all against the fake GitHub, Vault and Kubernetes. Nothing is due afterwards (every
grant runs for 2 hours). On that repository, in one process, it measures:

- **decide**: `jit.commands.sweep_due.decide`, what the 5-minute sweep runs before installing
  anything (median of RUNS), and the same as the workflow runs it, `python -S -m
  jit.commands.sweep_due` in a subprocess (interpreter start-up included);
- **full**: `jit reconcile` on the same checkout, which is what every sweep ran before (once;
  it makes no change, so the repository stays the same for both).

For each: wall time, GitHub API calls and Vault calls (both fakes record every request, so an
idle decision that called either would show it). Then the billed GitHub-hosted runner minutes
per month at 5- and 15-minute cron intervals, two jobs per run before (reconcile and
audit-verify, each billed at least a minute) against one job after (the daily full run
included). Results go to stdout and bench/out/idle_sweep_bench.json. Exit status 0 means the
targets were met: the idle decision says "not due", and makes no GitHub or Vault call.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from reconcile_bench import build, hermetic_env, route  # noqa: E402

from jit.commands import reconcile as command  # noqa: E402
from jit.commands.sweep_due import decide  # noqa: E402

MINUTES_PER_MONTH = 30 * 24 * 60
DAILY_FULL_RUNS = 30  # reconcile.yml's daily cron: one full job a day


def billed(interval: int) -> dict[str, int]:
    """Billed minutes a month while idle: every GitHub-hosted job is billed at least a minute."""
    runs = MINUTES_PER_MONTH // interval
    return {
        "runs": runs,
        "before_two_jobs": runs * 2,
        "after_one_job": runs + DAILY_FULL_RUNS,
    }


def calls(world: object, since: tuple[int, int, int]) -> tuple[int, int, int, dict[str, int]]:
    """GitHub, Vault and Kubernetes API calls since ``since`` (from :func:`mark`), and by route."""
    w: Any = world
    github, vault, kube = (
        w.github.calls[since[0] :],
        w.vault.requests[since[1] :],
        w.kube.requests[since[2] :],
    )
    by = Counter(f"GitHub {c.method} {route(c.path)}" for c in github)
    by.update(f"Vault {r.method} {r.path.split('/jit-')[0]}" for r in vault)
    by.update(f"Kubernetes {r.method}" for r in kube)
    return len(github), len(vault), len(kube), dict(by)


def mark(world: object) -> tuple[int, int, int]:
    w: Any = world
    return len(w.github.calls), len(w.vault.requests), len(w.kube.requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jit-bench-idle-") as tmp:
        base = Path(tmp)
        (base / "home").mkdir()
        hermetic_env(base / "home")
        started = time.perf_counter()
        world, mp = build(base / "world", args.grants, args.users)
        try:
            seams = command.Seams(
                env=world.env(), clock=world.clock.now, out=io.StringIO(), sleep=world.sleeps.append
            )
            setup = command.run(world.remote.clone(), False, True, seams=seams)
            active = sum(1 for r in world.records().values() if r.status == "active")
            print(
                f"set-up: {active} active grants (exit {setup}) in "
                f"{time.perf_counter() - started:.0f} s"
            )
            world.advance(minutes=5)
            root = world.remote.clone()
            now = world.clock.now()

            since = mark(world)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                answer = decide(root, now)
                times.append(time.perf_counter() - start)
            decide_s = statistics.median(times)
            d_github, d_vault, d_kube, _ = calls(world, since)

            probe = (
                "import sys, runpy; sys.argv = ['sweep_due', '--repo', sys.argv[1]]\n"
                "runpy.run_module('jit.commands.sweep_due', run_name='__main__')\n"
            )
            sub = []
            for _ in range(args.runs):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-S", "-c", probe, str(root)],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                sub.append(time.perf_counter() - start)
            sub_s = statistics.median(sub)
            # The full run's own start-up, for a like-for-like ratio: a cold `jit reconcile`
            # imports this much before it starts (its pip install in CI is not counted).
            imports = []
            for _ in range(args.runs):
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-c", "import jit.cli, jit.commands.reconcile_wiring"],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
                imports.append(time.perf_counter() - start)
            import_s = statistics.median(imports)

            since = mark(world)
            out = io.StringIO()
            seams = command.Seams(
                env=world.env(), clock=world.clock.now, out=out, sleep=world.sleeps.append
            )
            start = time.perf_counter()
            full_code = command.run(root, False, True, seams=seams)
            full_s = time.perf_counter() - start
            f_github, f_vault, f_kube, f_by = calls(world, since)
        finally:
            world.close()
            mp.undo()

    results = {
        "grants": args.grants,
        "active": active,
        "idle_decision": {
            "due": answer.due,
            "summary": answer.summary(),
            "seconds_median": round(decide_s, 3),
            "subprocess_seconds_median": round(sub_s, 3),
            "github_calls": d_github,
            "vault_calls": d_vault,
            "kubernetes_calls": d_kube,
        },
        "full_reconcile": {
            "exit": full_code,
            "seconds": round(full_s, 2),
            "github_calls": f_github,
            "vault_calls": f_vault,
            "kubernetes_calls": f_kube,
            "calls_by_route": f_by,
        },
        "ratio_decision_over_full": round(decide_s / full_s, 4),
        "full_start_up_seconds_median": round(import_s, 3),
        "ratio_subprocess_over_full_with_start_up": round(sub_s / (import_s + full_s), 4),
        "billed_minutes_per_month": {f"every_{m}_min": billed(m) for m in (5, 15)},
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    print(
        f"idle decision: {answer.summary()}\n"
        f"  {decide_s:.3f} s median in-process, {sub_s:.3f} s as `python -S -m` "
        f"(start-up included); GitHub {d_github}, Vault {d_vault}, Kubernetes {d_kube} calls\n"
        f"full reconcile (exit {full_code}): {full_s:.2f} s; GitHub {f_github}, Vault "
        f"{f_vault} ({f_vault / max(1, active):.2f} per active grant), Kubernetes {f_kube} "
        "calls\n"
        f"ratio decision/full: {results['ratio_decision_over_full']} in-process, "
        f"{results['ratio_subprocess_over_full_with_start_up']} as a subprocess against the "
        f"full run with its start-up ({import_s:.3f} s of imports)"
    )
    for interval in (5, 15):
        b = billed(interval)
        print(
            f"every {interval:>2} min: {b['runs']} runs a month; billed at least "
            f"{b['before_two_jobs']} min before (two jobs), {b['after_one_job']} min after "
            f"(one job, plus the daily full run): ratio "
            f"{b['after_one_job'] / b['before_two_jobs']:.3f}"
        )
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "idle_sweep_bench.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0 if not answer.due and d_github == d_vault == d_kube == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
