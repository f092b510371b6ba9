"""The auditors' commands end to end: ``python -m jit audit ...`` on a repository that real
``jit reconcile`` runs built against the fakes (tests/docs/sample.py): report filters and
periods, verify --format json, the HTML timeline in Chromium, the NDJSON export resumed by
cursor, and the evidence pack."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.audit import browser as chromium
from tests.audit.browser import artifacts, shown
from tests.docs.sample import Sample, build

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return build(tmp_path_factory.mktemp("access"))


def jit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jit", "audit", *args],
        cwd=root, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def ok(root: Path, *args: str) -> str:
    done = jit(root, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_grant_entries_carry_the_reason_and_ticket_of_the_request(sample: Sample) -> None:
    (alice,) = json.loads(ok(sample.root, "report", "--format", "json", "--user", "alice",
                             "--resource", "prod-db-readonly", "--status", "revoked"))  # fmt: skip
    assert alice["grant_id"] == sample.grant_id
    assert (alice["reason"], alice["ticket"], alice["not_before"]) == (
        "Investigate INC-4711, slow queries on orders", "INC-4711", None)  # fmt: skip


def test_report_filters_and_month_shorthand(sample: Sample) -> None:
    md = ok(sample.root, "report", "--since", "2026-11", "--until", "2026-11")
    assert md.splitlines()[0].startswith("| Grant | Requester |") and " Lag " in md
    assert "| requests/alice/unapproved | @alice | prod-db-readonly |" in md and "| denied |" in md
    assert ok(sample.root, "report", "--since", "2026-10", "--until", "2026-10").endswith(
        "_Nothing matches these filters._\n"
    )
    rows = list(csv.DictReader(io.StringIO(ok(sample.root, "report", "--format", "csv",
                                              "--approver", "carol", "--kind", "vault-credentials"))))  # fmt: skip
    assert {r["grant_id"] for r in rows} >= {sample.grant_id} and all(
        r["kind"] == "vault-credentials" and "carol" in r["approvers"] for r in rows
    )
    done = jit(sample.root, "report", "--since", "2026-13")
    assert done.returncode == 2 and "'2026-13' is not a date or time" in done.stderr


def test_verify_as_json(sample: Sample) -> None:
    result = json.loads(ok(sample.root, "verify", "--format", "json"))
    assert result["ok"] is True and result["first_broken"] is None and result["problems"] == []
    assert result["checkpoints_checked"] >= 5 and result["grants"] == 5
    assert result["head"]["seq"] == result["entries"] - 1


@pytest.mark.browser
def test_the_html_timeline_of_the_sample_in_chromium(sample: Sample, tmp_path: Path) -> None:
    page = tmp_path / "access.html"
    page.write_text(ok(sample.root, "report", "--format", "html", "--since", "2026-11",
                       "--until", "2026-11"), encoding="utf-8")  # fmt: skip
    with chromium.browser() as driver:
        view = driver.open_page(page)
        rows = [r.split("\t") for r in shown(view, "#rows tbody tr")]
        assert len(rows) == 6 and [r[0] for r in rows].count("denied") == 1
        assert next(r for r in rows if r[1] == sample.grant_id)[13] == "INC-4711"
        assert shown(view, "section.resource h3") == [
            "db-group", "db-token", "orders-debug", "prod-db-readonly"]  # fmt: skip
        assert "@carol" in shown(view, "#approvers tbody tr")[0]
        shot = view.screenshot(artifacts(tmp_path) / "audit-report-sample.png")
        print(f"screenshot: {shot}")
        assert view.console_errors == [] and view.requests == [page.as_uri()]


def test_export_resumes_from_its_cursor_and_refuses_a_broken_log(
    sample: Sample, tmp_path: Path
) -> None:
    schema = json.loads((ROOT / "schemas" / "audit-event.schema.json").read_text())
    validator = Draft202012Validator(schema)
    done = jit(sample.root, "export", "--format", "ndjson")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(events) == 27 and not [e for e in events if list(validator.iter_errors(e))]
    assert done.stderr == f"exported 27 event(s); cursor: {events[-1]['cursor']}\n"
    rest = jit(sample.root, "export", "--since", str(events[20]["cursor"]))
    assert [json.loads(line) for line in rest.stdout.splitlines()] == events[21:]
    state = tmp_path / "cursor"
    state.write_text(f"{events[24]['cursor']}\n")
    tail = ok(sample.root, "export", "--cursor-file", str(state))
    assert len(tail.splitlines()) == 2 and state.read_text() == f"{events[-1]['cursor']}\n"
    copy = tmp_path / "copy"
    shutil.copytree(sample.root, copy)
    month = copy / "audit/2026/11.jsonl"
    month.write_text(month.read_text().replace('"requester":"bob"', '"requester":"eve"', 1))
    broken = jit(copy, "export")
    assert broken.returncode == 1 and broken.stdout == ""
    assert "it does not verify" in broken.stderr and "nothing was exported" in broken.stderr


def test_the_evidence_pack_of_a_month(sample: Sample, tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    said = ok(sample.root, "evidence", "--period", "2026-11", "-o", str(pack))
    assert said.startswith(f"wrote 13 files to {pack}/ for 2026-11")
    names = sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file())
    assert [n for n in names if not n.startswith(("policies-", "policy-changes/"))] == [
        "SHA256SUMS", "audit-events.ndjson", "index.html", "policy-changes.csv",
        "report.csv", "report.html", "verification.json", "verification.txt",
    ]  # fmt: skip
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=pack,
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    start = (pack / "policies-start/resources.yaml").read_text()
    end = (pack / "policies-end/resources.yaml").read_text()
    assert "Read-only access to the production orders database" in start
    assert "Read-only access to the orders database (production)" in end
    (change,) = csv.DictReader(io.StringIO((pack / "policy-changes.csv").read_text()))
    assert (change["pr"], change["subject"]) == ("5", "prod-db-readonly: clearer wording (#5)")
    diff = (pack / change["diff"]).read_text()
    assert "+    description: Read-only access to the orders database (production)" in diff
    index = (pack / "index.html").read_text()
    assert "Verified: the audit log is intact" in index and "on PR #5" in index
    assert "None: the audit log holds no access-review records for this period" in index
    assert json.loads((pack / "verification.json").read_text())["ok"] is True
    assert len((pack / "audit-events.ndjson").read_text().splitlines()) == 27
    again = jit(sample.root, "evidence", "--period", "2026-11", "-o", str(pack))
    assert again.returncode == 1 and "is not an empty folder" in again.stderr
    assert jit(sample.root, "evidence", "--period", "Q4", "-o", str(tmp_path / "x")).returncode == 2


def test_the_evidence_pack_of_a_quarter_before_any_history(sample: Sample, tmp_path: Path) -> None:
    pack = tmp_path / "q3"
    ok(sample.root, "evidence", "--period", "2026-Q3", "-o", str(pack))
    index = (pack / "index.html").read_text()
    assert index.count("no commit yet (the repository is younger than the period)") == 2
    assert "No commit changed <code>policies/</code> during the period." in index
    assert (pack / "audit-events.ndjson").read_text() == ""
