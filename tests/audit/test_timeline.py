"""``jit audit report --format html``: one self-contained page. Checked as text (escaping, the
CSP admits exactly the inline style and script) and in headless Chromium (the rows show, the
filters work, no console error, no CSP violation, no request but the file itself)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from jit.audit import entries as E
from jit.audit.store import AuditLog
from jit.audit.timeline_assets import CSP, SCRIPT, STYLE
from jit.cli import cli
from jit.commands.audit import run_report, run_verify
from jit.errors import UsageError
from tests.audit import browser as chromium
from tests.audit.browser import artifacts, shown
from tests.audit.helpers import T0, lifecycle

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)> & http://evil.example/'


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    log = AuditLog(tmp_path)
    lifecycle(log, "alice-incident-0000aaaa", at=T0, approvers=["carol", "bob"], pr=101,
              reason=HOSTILE, ticket="INC-4711")  # fmt: skip
    lifecycle(log, "bob-debug-0000bbbb", at=T0 + timedelta(days=1), requester="bob", pr=102,
              revoke="withdrawn", by="erin", by_role="revoker", resource="orders-debug")  # fmt: skip
    lifecycle(log, "erin-oncall-0000eeee", at=NOW - timedelta(hours=1), requester="erin",
              revoke=None, pr=105, auto=True, approvers=())  # fmt: skip
    lifecycle(log, "frank-batch-0000ffff", at=T0 + timedelta(days=2), requester="frank",
              pr=106, hours=1)  # fmt: skip
    log.append(
        [E.denied(request_id="requests/mallory/x", requester="mallory", resource="orders-debug",
                  pr=107, reasons=[f"The reason {HOSTILE!r} is refused."])],
        T0 + timedelta(days=3),
    )  # fmt: skip
    return tmp_path


def page(repo: Path, **filters: str) -> str:
    out = io.StringIO()
    args: dict[str, str | None] = {"since": None, "until": None, "resource": None, "user": None}
    args.update(filters)
    assert run_report(repo, fmt="html", now=NOW, out=out, **args) == 0  # type: ignore[arg-type]
    return out.getvalue()


def attributes(html: str) -> set[str]:
    """The name of every attribute of every element, as a browser's parser reads them."""
    found: set[str] = set()

    class Names(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.update(name for name, _ in attrs)

    Names().feed(html)
    return found


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_csp_admits_only_the_inline_style_and_script(repo: Path) -> None:
    html = page(repo)
    (policy,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy == CSP
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert f"style-src '{_hash(STYLE)}'" in policy and f"script-src '{_hash(SCRIPT)}'" in policy
    assert html.count("<script>") == 1 and html.count("<style>") == 1
    assert f"<style>{STYLE}</style>" in html and f"<script>{SCRIPT}</script>" in html
    names = attributes(html)
    assert "data-filter" in names and not [n for n in names if n == "style" or n.startswith("on")]


def test_text_from_requests_is_escaped_everywhere(repo: Path) -> None:
    html = page(repo)
    assert "<img" not in html and "alert(1)</script>" not in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    )
    assert not re.search(r"(src|href)=\"?https?:", html)  # nothing to fetch


def test_the_page_shows_the_verification_and_the_filters_chosen(repo: Path) -> None:
    html = page(repo, since="2026-11", until="2026-11", resource="orders-debug", status="denied")
    assert "Verified: the audit log is intact" in html
    assert "From 2026-11-01T00:00:00Z to 2026-11-30T23:59:59Z; only resource orders-debug, " \
        "status denied." in html  # fmt: skip
    assert "requests/mallory/x" in html and "bob-debug-0000bbbb" not in html


def test_a_broken_log_is_reported_on_the_page(repo: Path) -> None:
    month = repo / "audit/2026/11.jsonl"
    month.write_bytes(month.read_bytes().replace(b'"pr":101', b'"pr":109', 1))
    html = page(repo)
    assert "NOT verified: the audit log has problems" in html and 'class="verdict fail"' in html
    assert "edited" in html


@pytest.fixture(scope="module")
def driver() -> Iterator[chromium.Browser]:
    with chromium.browser() as running:
        yield running


@pytest.mark.browser
def test_the_page_renders_offline_in_chromium_and_its_filters_work(
    repo: Path, tmp_path: Path, driver: chromium.Browser
) -> None:
    target = tmp_path / "report.html"
    target.write_text(page(repo), encoding="utf-8")
    view = driver.open_page(target)
    rows = shown(view, "#rows tbody tr")
    assert [r.split("\t")[1] for r in rows] == [
        "alice-incident-0000aaaa", "bob-debug-0000bbbb", "frank-batch-0000ffff",
        "requests/mallory/x", "erin-oncall-0000eeee",
    ]  # fmt: skip
    alice = rows[0].split("\t")
    assert alice[0] == "revoked" and alice[10] == "@bob, @carol" and alice[12] == HOSTILE
    assert shown(view, "section.resource h3") == ["orders-debug", "prod-db-readonly"]
    assert view.evaluate("document.querySelectorAll('svg rect.bar').length") == 5
    assert view.evaluate("document.getElementById('verification').innerText").startswith(  # type: ignore[union-attr]
        "Verified"
    )
    view.evaluate(
        "(() => { const s = document.getElementById('f-status'); s.value = 'denied';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert [r.split("\t")[1] for r in shown(view, "#rows tbody tr")] == ["requests/mallory/x"]
    assert shown(view, "section.resource h3") == ["orders-debug"]
    assert shown(view, "#f-count") == ["1 of 5 rows shown"]
    view.evaluate(
        "(() => { const s = document.getElementById('f-status'); s.value = '';"
        " s.dispatchEvent(new Event('change')); const t = document.getElementById('f-text');"
        " t.value = 'CAROL'; t.dispatchEvent(new Event('input')); })()"
    )
    assert [r.split("\t")[1] for r in shown(view, "#rows tbody tr")] == [
        "alice-incident-0000aaaa", "bob-debug-0000bbbb", "frank-batch-0000ffff",
    ]  # fmt: skip
    view.settle()
    shot = view.screenshot(artifacts(tmp_path) / "audit-report.png")
    view.emulate_media("print")  # the filters are for the screen; the rows they chose print
    assert shown(view, "#f-count") == [] and len(shown(view, "#rows tbody tr")) == 3
    print(f"screenshot: {shot}")
    assert view.console_errors == []
    assert view.requests == [target.as_uri()]


@pytest.mark.browser
def test_the_browser_check_sees_errors_and_requests(
    tmp_path: Path, driver: chromium.Browser
) -> None:
    """The checks above can fail: a page that breaks its CSP, throws and loads an image."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        f'<!doctype html><meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<p style="color:red">x</p><script>undefinedFunction()</script>', encoding="utf-8"
    )  # fmt: skip
    assert driver.open_page(bad).console_errors  # the inline style and script are refused
    loads = tmp_path / "loads.html"
    loads.write_text('<!doctype html><img src="http://127.0.0.1:9/x.png">', encoding="utf-8")
    view = driver.open_page(loads)
    view.settle(1)
    assert "http://127.0.0.1:9/x.png" in view.requests


def test_an_empty_selection_says_so(repo: Path) -> None:
    html = page(repo, user="nobody")
    assert "Nothing matches these filters." in html and "No approvals in these rows." in html


def test_the_verify_cli_prints_json(repo: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "verify", "--repo", str(repo), "--format", "json"])
    found = json.loads(result.output)  # by the real clock, erin's grant is long overdue
    assert result.exit_code == 1 and found["ok"] is False and found["chain_intact"] is True
    assert [p["grant_id"] for p in found["problems"]] == ["erin-oncall-0000eeee"]
    with pytest.raises(UsageError, match="'xml' is not one of text, json"):
        run_verify(repo, fmt="xml", out=io.StringIO())


def test_without_a_browser_the_tests_skip_unless_ci_requires_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JIT_CHROMIUM", str(tmp_path / "no-such-chromium"))
    monkeypatch.setattr(chromium.shutil, "which", lambda name: None)
    monkeypatch.setattr(chromium, "DEFAULT", str(tmp_path / "none"))
    monkeypatch.delenv("JIT_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        chromium.chromium()
    monkeypatch.setenv("JIT_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="JIT_REQUIRE_BROWSER=1 requires it"):
        chromium.chromium()
