"""Benchmark `jit check` against `check-jsonschema`, and jit's start-up against bare Python.

    python bench/check_bench.py [--requests 10000] [--resources 200] [--runs 5]

Generates an access repository with REQUESTS valid request files over RESOURCES resources in
a temporary directory, then in one run measures the median wall time of:

- `jit check` (schema, semantic and policy checks of every request, plus all policies) and
  `check-jsonschema --schemafile schemas/request.schema.json <every request file>` (schema
  only), on the same files;
- `jit --help`, `jit check <one file>` (which still checks all RESOURCES policies) and
  `jit check` on one bundled example (6 resources) against `python -c pass`.

Targets: jit check at most 0.3x check-jsonschema; start-up under 0.15 s above bare Python.
It also checks, with `python -X importtime`, that `jit check` never imports PyGithub, hvac or
jsonschema (the last is only needed to explain a schema failure).

Subprocesses run with bytecode caching on (as after `pip install`), after one warm-up run.
Results go to stdout and to bench/out/check_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
KINDS = ("vault-credentials", "vault-token", "vault-group", "kubernetes-rolebinding")
TARGET_RATIO = 0.3
TARGET_STARTUP = 0.15


def grant(kind: str, index: int) -> str:
    if kind == "vault-credentials":
        return f"{{kind: vault-credentials, path: database/creds/db-{index}}}"
    if kind == "vault-token":
        return f"{{kind: vault-token, policies: [ops-{index}, read-{index}]}}"
    if kind == "vault-group":
        return f"{{kind: vault-group, policies: [admin-{index}]}}"
    return (
        f"{{kind: kubernetes-rolebinding, cluster: prod, namespace: ns-{index}, role: edit, "
        'role_kind: ClusterRole, subject: "{login}@example.com"}'
    )


def generate(root: Path, requests: int, resources: int, users: int = 500) -> list[str]:
    """Write the repository; return the request paths, relative to ``root``."""
    (root / "policies").mkdir(parents=True)
    (root / "policies/settings.yaml").write_text(
        "vault: {address: 'https://vault.example.com', auth_role: jit}\n"
        "kubernetes:\n  clusters:\n    prod: {server: 'https://k8s.example.com', "
        "ca_file: ca.pem, token_env: KUBE_TOKEN}\n"
    )
    logins = [f"user{n:04d}" for n in range(users)]
    per_file = 20
    for start in range(0, resources, per_file):
        lines = ["resources:"]
        for index in range(start, min(start + per_file, resources)):
            eligible = ", ".join(logins[index % 50 :: 50][:10])
            lines += [
                f"  res-{index:03d}:",
                f"    description: Generated resource number {index}",
                f"    grant: {grant(KINDS[index % 4], index)}",
                f"    eligible: [acme/engineering, {eligible}]",
                "    max_duration: 8h",
                "    approvals:",
                "      - from: [acme/dba, carol, dave]",
                "        count: 1",
                "      - from: [acme/security]",
            ]
            if index % 3 == 0:
                lines.append("    ticket: '^(INC|CHG)-[0-9]+$'")
            if index % 5 == 0:
                lines.append("    auto_approve: [{requester_in: [acme/oncall], max_duration: 1h}]")
        (root / f"policies/generated-{start // per_file:02d}.yaml").write_text(
            "\n".join(lines) + "\n"
        )
    paths = []
    for number in range(requests):
        index = number % resources
        login = logins[index % 50 :: 50][number % 10]  # an eligible user, listed by name
        rel = f"requests/{login}/request-{number:05d}.yaml"
        body = [
            "# yaml-language-server: $schema=../../schemas/request.schema.json",
            f"requester: {login}",
            f"resource: res-{index:03d}",
            f"duration: {1 + number % 7}h",
            f"reason: Generated request {number} to investigate an incident on orders",
        ]
        if index % 3 == 0:
            body.append(f"ticket: INC-{number}")
        if number % 4 == 0:
            body.append("not_before: 2030-01-07T09:00:00Z")
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(body) + "\n")
        paths.append(rel)
    return paths


def measure(
    commands: dict[str, list[str]], cwd: Path, runs: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time (user + system) of each command over ``runs``
    runs, after one warm-up run each. Runs are interleaved, so a change in the machine's
    load affects every command alike."""
    for argv in commands.values():
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode != 0:
                raise SystemExit(f"{name} exited {done.returncode}: {done.stderr[-2000:]!r}")
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in commands
    }


def imported_modules(argv: list[str], cwd: Path, env: dict[str, str]) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--startup-runs", type=int, default=20)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    jit, cj = str(BIN / "jit"), str(BIN / "check-jsonschema")
    schema = str(ROOT / "schemas/request.schema.json")
    with tempfile.TemporaryDirectory(prefix="jit-bench-") as tmp:
        repo = Path(tmp)
        paths = generate(repo, args.requests, args.resources)
        print(f"generated {len(paths):,} requests over {args.resources} resources in {repo}")
        full = measure(
            {
                "jit check": [jit, "check"],
                "check-jsonschema": [cj, "--schemafile", schema, *paths],
            },
            repo,
            args.runs,
            env,
        )
        example = "requests/bob/orders-debug.yaml"  # a bundled example, 6 resources
        startup = measure(
            {
                "python -c pass": [sys.executable, "-c", "pass"],
                "jit --help": [jit, "--help"],
                "jit check <one file>": [jit, "check", paths[0]],
                "jit check <one example>": [jit, "check", "--repo", str(ROOT), str(ROOT / example)],
            },
            repo,
            args.startup_runs,
            env,
        )
        modules = imported_modules(["-m", "jit", "check", paths[0]], repo, env)
    heavy = sorted(
        m for m in modules if m.split(".")[0] in {"github", "hvac", "jsonschema", "requests"}
    )
    ratio = full["jit check"][0] / full["check-jsonschema"][0]
    cpu_ratio = full["jit check"][1] / full["check-jsonschema"][1]
    bare = startup["python -c pass"]
    extra = {name: t[0] - bare[0] for name, t in startup.items() if name != "python -c pass"}
    extra_cpu = {name: t[1] - bare[1] for name, t in startup.items() if name != "python -c pass"}
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}",
        "requests": args.requests,
        "resources": args.resources,
        "runs": args.runs,
        "median_wall_seconds": {k: round(v[0], 3) for k, v in {**full, **startup}.items()},
        "median_cpu_seconds": {k: round(v[1], 3) for k, v in {**full, **startup}.items()},
        "ratio_jit_to_check_jsonschema": {"wall": round(ratio, 3), "cpu": round(cpu_ratio, 3)},
        "startup_over_python": {
            name: {"wall": round(extra[name], 3), "cpu": round(extra_cpu[name], 3)}
            for name in extra
        },
        "heavy_imports_at_startup": heavy,
    }
    print(f"machine: {result['machine']}")
    for name, (wall, cpu) in {**full, **startup}.items():
        print(f"{name:>24}: {wall:7.3f} s wall, {cpu:7.3f} s CPU (medians)")
    print(
        f"{'ratio':>24}: {ratio:.3f}x check-jsonschema wall, {cpu_ratio:.3f}x CPU "
        f"(target <= {TARGET_RATIO}x)"
    )
    for name in extra:
        print(
            f"{name:>24}: +{extra[name]:.3f} s wall, +{extra_cpu[name]:.3f} s CPU over "
            f"python -c pass (target < {TARGET_STARTUP} s)"
        )
    print(f"{'heavy imports':>24}: {', '.join(heavy) or 'none'}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "check_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    met = ratio <= TARGET_RATIO and not heavy and max(extra.values()) < TARGET_STARTUP
    print("targets met" if met else "TARGETS MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
