"""Benchmark `jit audit verify` on a million-entry audit log, against named alternatives.

    python bench/audit_bench.py [--entries 1000000] [--runs 3] [--keep DIR]

Generates an audit log of ENTRIES entries in a temporary directory: ten years of grant
lifecycles (requested, issuing, granted, delivery, revoked), one file per month, sealed
exactly as `AuditLog.append` seals them. Then, in one run, it measures the median wall time of:

- `jit audit verify --no-git` (a subprocess, as CI runs it): the chain, HEAD and the grant
  checks (every grant approved, revoked exactly once);
- `sha256sum` over the same files: one C pass hashing every byte once, the floor for any
  verifier that hashes the whole log;
- a naive verifier in Python, the obvious implementation: `json.loads` each line, re-serialize
  it canonically without `hash`, hash that, compare `hash`, `prev` and `seq`. It does no grant
  checks, so the comparison flatters it;
- `jit audit report --format csv` over the whole log;
- `AuditLog.append` of one entry at the end of the million (median of 20): appends read only
  the last line, so they cost the same in year ten as on day one.

Results go to stdout and to bench/out/audit_bench.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jit.audit import entries as E
from jit.audit.canon import GENESIS, canonical, format_ts, line_hash, seal
from jit.audit.store import AuditLog

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 10.0  # "one million entries in seconds"
START = datetime(2016, 1, 1, tzinfo=UTC)


def lifecycle(i: int, at: datetime) -> Iterator[dict[str, object]]:
    user, resource = f"user{i % 500}", f"resource-{i % 20}"
    request_id, grant_id = f"requests/{user}/req-{i}", f"{user}-req-{i}-{i:08x}"
    yield E.requested(request_id=request_id, requester=user, resource=resource, pr=1000 + i,
                      merge_commit=f"{i:040x}")  # fmt: skip
    yield E.issuing(grant_id=grant_id, request_id=request_id, kind="vault-credentials")
    yield E.granted(grant_id=grant_id, request_id=request_id, requester=user, resource=resource,
                    kind="vault-credentials", pr=1000 + i, merge_commit=f"{i:040x}",
                    approvers=["carol", "dave"], auto_approved=False, granted_at=at,
                    expires_at=at + timedelta(hours=2),
                    handle={"lease_id": f"database/creds/{resource}/{i:024x}"})  # fmt: skip
    yield E.delivery(grant_id=grant_id, method="age-ssh",
                     recipients_fingerprints=["SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"])  # fmt: skip
    yield E.revoked(grant_id=grant_id, reason="expired", revoked_at=at + timedelta(hours=2),
                    lag_seconds=0)  # fmt: skip


def generate(root: Path, count: int) -> None:
    """Write ``count`` sealed entries over ten years, one file per month (a month at a time,
    so memory stays small), and HEAD."""
    step = timedelta(days=3650) * 5 / count
    month, lines = "", []
    prev, seq, i = GENESIS, 0, 0
    while seq < count:
        at = START + step * i
        ts = format_ts(at)
        if ts[:7] != month:
            write_month(root, month, lines)
            month, lines = ts[:7], []
        for payload in lifecycle(i, at):
            if seq == count:
                break
            _, line = seal(payload, seq=seq, ts=ts, prev=prev)
            lines.append(line)
            prev, seq = line_hash(line), seq + 1
        i += 1
    write_month(root, month, lines)
    (root / "audit/HEAD").write_bytes(canonical({"seq": seq - 1, "hash": prev}) + b"\n")


def write_month(root: Path, month: str, lines: list[bytes]) -> None:
    if lines:
        path = root / "audit" / month[:4] / f"{month[5:]}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(line + b"\n" for line in lines))


def naive_verify(files: list[Path]) -> int:
    prev, seq = GENESIS, 0
    for path in files:
        for raw in path.read_bytes().splitlines():
            entry = json.loads(raw)
            claimed = entry.pop("hash")
            if hashlib.sha256(canonical(entry)).hexdigest() != claimed:
                raise SystemExit(f"naive: {path}: seq {seq} edited")
            if entry["prev"] != prev or entry["seq"] != seq:
                raise SystemExit(f"naive: {path}: seq {seq} out of chain")
            prev, seq = hashlib.sha256(raw).hexdigest(), seq + 1
    return seq


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(cmd: list[str], expect: int = 0) -> None:
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode != expect:
        raise SystemExit(f"{cmd[:4]} exited {done.returncode}: {done.stderr.decode()[-500:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into (and keep) this directory")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate_only:
        return generate(args.keep, args.entries)
    root = args.keep or Path(tempfile.mkdtemp(prefix="jit-audit-bench-"))
    try:
        results = measure(root, args.entries, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "audit_bench.json").write_text(json.dumps(results, indent=2) + "\n")


def measure(root: Path, count: int, runs: int) -> dict[str, object]:
    started = time.perf_counter()
    if not (root / "audit/HEAD").exists():  # in a child, so this process stays small
        run(
            [sys.executable, __file__, "--generate-only", "--keep", str(root), f"--entries={count}"]
        )
    generated = time.perf_counter() - started
    log = AuditLog(root)
    files = [f.path for f in log.month_files()]
    size = sum(p.stat().st_size for p in files)
    jit = [sys.executable, "-m", "jit", "audit"]
    verify = [*jit, "verify", "--repo", str(root), "--no-git", "--grace", "0"]
    for path in files:  # warm the page cache, so every contender reads from memory
        path.read_bytes()
    t_verify = median_time(lambda: run(verify), runs)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child
    t_sha = median_time(lambda: run(["sha256sum", *map(str, files)]), runs)
    t_naive = median_time(lambda: naive_verify(files), runs)
    t_report = median_time(lambda: run([*jit, "report", "--repo", str(root), "--format", "csv"]), 1)
    moment = START + timedelta(days=3700)
    t_append = median_time(lambda: log.append([E.drift(what="bench")], moment), 20)
    results: dict[str, object] = {
        "entries": count, "files": len(files), "megabytes": round(size / 1e6, 1),
        "generate_s": round(generated, 1), "verify_s": round(t_verify, 2),
        "verify_entries_per_s": round(count / t_verify), "verify_peak_rss_mb": round(peak_mb),
        "sha256sum_s": round(t_sha, 2), "naive_python_s": round(t_naive, 2),
        "verify_vs_sha256sum": round(t_verify / t_sha, 2),
        "verify_vs_naive": round(t_verify / t_naive, 2),
        "report_csv_s": round(t_report, 2), "append_ms": round(t_append * 1000, 2),
        "python": platform.python_version(), "machine": platform.machine(),
    }  # fmt: skip
    print(f"audit log: {count:,} entries, {len(files)} month files, {size / 1e6:.0f} MB "
          f"(generated in {generated:.0f} s)")  # fmt: skip
    print(f"jit audit verify      {t_verify:6.2f} s  {count / t_verify:>12,.0f} entries/s  "
          f"peak RSS {peak_mb:.0f} MB")  # fmt: skip
    print(f"sha256sum (floor)     {t_sha:6.2f} s  {count / t_sha:>12,.0f} entries/s  "
          f"verify is {t_verify / t_sha:.2f}x")  # fmt: skip
    print(f"naive Python verifier {t_naive:6.2f} s  {count / t_naive:>12,.0f} entries/s  "
          f"verify is {t_verify / t_naive:.2f}x")  # fmt: skip
    print(f"jit audit report csv  {t_report:6.2f} s")
    print(f"AuditLog.append       {t_append * 1000:6.2f} ms per append at {count:,} entries")
    verdict = "ok" if t_verify <= TARGET_SECONDS else "OVER TARGET"
    print(f"target: verify 1M entries in <= {TARGET_SECONDS:.0f} s: {verdict}")
    return results


if __name__ == "__main__":
    main()
