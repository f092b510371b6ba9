"""Policy tests (``policies/tests/*.yaml``): parsing, running, and ``jit check`` failing on a
weakened policy."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jit.commands.check import run
from jit.model import Policies, Resource
from jit.parse.policy_tests import parse_policy_tests
from jit.parse.repository import load_policies, load_policy_tests
from jit.policy.testing import run_cases
from tests.parse.helpers import ROOT
from tests.policy.strategies import resource, resources

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PATH = "policies/tests/t.yaml"
CASE = """\
tests:
  - name: a dba approval grants access
    request: {requester: alice, resource: prod-db, duration: 1h}
    teams: {acme/eng: [alice], acme/dba: [dave]}
    approvals:
      - by: dave
    expect: {decision: granted, stages_met: [1]}
"""


def policies(*extra: object) -> Policies:
    found = {"prod-db": resource("prod-db")}
    found.update({r.id: r for r in extra})  # type: ignore[attr-defined]
    return Policies(found)


def check_repo(root: Path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(root, None, "text", (), now=NOW, out=out, err=err)
    return code, out.getvalue()


def copy_example(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "policies", root / "policies")
    (root / "requests").mkdir()
    return root


def test_the_example_repository_ships_passing_policy_tests() -> None:
    cases, findings = load_policy_tests(ROOT)
    assert findings == []
    assert len(cases) >= 5
    example_policies = load_policies(ROOT, {})[0]
    assert run_cases(cases, example_policies) == []
    assert {c.expect for c in cases} == {"granted", "pending", "denied"}


def test_weakening_the_dba_stage_makes_jit_check_fail(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    assert check_repo(root)[0] == 0
    db = root / "policies" / "databases.yaml"
    text = db.read_text()
    weakened = text.replace(
        "- from: [acme/dba]\n        count: 1\n    auto",
        "- from: [acme/dba, acme/engineering]\n        count: 1\n    auto",
        1,
    )
    assert weakened != text
    db.write_text(weakened)
    code, out = check_repo(root)
    assert code == 1
    line = next(
        n
        for n, text in enumerate(
            (root / "policies/tests/databases.yaml").read_text().splitlines(), 1
        )
        if "an approval from a non-dba" in text
    )
    assert f"policies/tests/databases.yaml:{line}: error[policy-test-failed]" in out
    assert "expected pending, but the engine decided granted" in out
    assert "approval stage 1 (acme/dba and acme/engineering) is met by bob" in out


def test_policy_tests_are_not_policy_files(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    pols, _, findings = load_policies(root, {})
    assert [f for f in findings if f.file.startswith("policies/tests")] == []
    assert set(pols.resources) == set(load_policies(ROOT, {})[0].resources)


def test_a_case_passes_and_each_expectation_can_fail() -> None:
    cases, findings = parse_policy_tests(PATH, CASE.encode())
    assert findings == []
    assert run_cases(cases, policies()) == []
    for changed, said in [
        ("decision: granted", "expected pending, but the engine decided granted"),
        ("stages_met: [1]", "expected stages met none, but the engine met 1"),
    ]:
        other = CASE.replace(changed, changed.replace("granted", "pending").replace("[1]", "[]"))
        failed = run_cases(parse_policy_tests(PATH, other.encode())[0], policies())
        assert len(failed) == 1
        assert failed[0].file == PATH
        assert failed[0].line == 2
        assert said in failed[0].message
    reasons = CASE.replace("stages_met: [1]", "reasons: [auto-approved]")
    failed = run_cases(parse_policy_tests(PATH, reasons.encode())[0], policies())
    assert "the engine gave none of the expected reasons 'auto-approved'" in failed[0].message


def test_access_starting_later_is_judged_at_its_start() -> None:
    later = CASE.replace("duration: 1h}", "duration: 1h, not_before: '2026-01-06T10:00:00Z'}")
    (case,), findings = parse_policy_tests(PATH, later.encode())
    assert findings == []
    assert case.request.not_before == datetime(2026, 1, 6, 10, tzinfo=UTC)
    assert run_cases([case], policies()) == []


def test_unlisted_teams_have_no_members_and_stale_or_self_approvals_do_not_count() -> None:
    stale = CASE.replace("- by: dave", "- {by: dave, commit: stale}")
    stale = stale.replace("decision: granted, stages_met: [1]", "decision: pending")
    assert run_cases(parse_policy_tests(PATH, stale.encode())[0], policies()) == []
    no_dba = CASE.replace(", acme/dba: [dave]", "")
    assert (
        "decided pending"
        in run_cases(parse_policy_tests(PATH, no_dba.encode())[0], policies())[0].message
    )
    pushed = CASE.replace("    approvals:", "    pushers: [alice, dave]\n    approvals:")
    assert (
        "decided pending"
        in run_cases(parse_policy_tests(PATH, pushed.encode())[0], policies())[0].message
    )


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        (CASE.replace("duration: 1h", "duration: soon"), 3, "invalid-duration"),
        (
            CASE.replace("    approvals:", "    at: tomorrow\n    approvals:"),
            5,
            "invalid-timestamp",
        ),
        (CASE.replace("decision: granted", "decision: maybe"), 7, "invalid-value"),
        (CASE.replace("    approvals:", "    colour: red\n    approvals:"), 5, "unknown-key"),
        (
            CASE.replace("request: {", "request: {not_before: 2026-01-01T00:00:00, "),
            3,
            "timestamp-without-offset",
        ),
        ("tests: &a []\n", 1, "yaml-anchor"),
    ],
)
def test_bad_test_files_are_findings_at_their_line(text: str, line: int, code: str) -> None:
    cases, findings = parse_policy_tests(PATH, text.encode())
    assert cases == []
    assert findings
    assert (findings[0].line, findings[0].severity) == (line, "error")
    assert findings[0].code.startswith(code.split("-")[0]), findings


def test_unreadable_test_files_are_findings(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    tests = root / "policies" / "tests"
    (tests / "old.yml").write_text(CASE)
    (tests / "notes.md").write_text("not a test")
    (tests / "sub").mkdir()
    (tests / "link.yaml").symlink_to(tests / "databases.yaml")
    _, findings = load_policy_tests(root)
    assert {(f.file, f.code) for f in findings} == {
        ("policies/tests/old.yml", "ignored-file"),
        ("policies/tests/link.yaml", "symlink"),
    }
    shutil.rmtree(tests)
    tests.symlink_to(ROOT / "policies" / "tests")
    assert [(f.file, f.code) for f in load_policy_tests(root)[1]] == [("policies/tests", "symlink")]
    assert check_repo(root)[0] == 1


names = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True).filter(lambda n: n != "prod-db")
#: Arbitrary resources (any eligibility, stages, auto-approval, hours) under other ids.
unrelated = st.tuples(names, resources()).map(lambda pair: replace(pair[1], id=pair[0]))


@settings(deadline=None, max_examples=50)
@given(st.lists(unrelated, max_size=4), st.sampled_from(["granted", "pending", "denied"]))
def test_a_passing_case_stays_passing_when_unrelated_resources_are_added(
    extra: list[Resource], decision: str
) -> None:
    text = {
        "granted": CASE,
        "pending": CASE.replace("- by: dave", "- by: alice").replace(
            "decision: granted, stages_met: [1]", "decision: pending, stages_met: []"
        ),
        "denied": CASE.replace("[alice]", "[bob]").replace(
            "decision: granted, stages_met: [1]", "decision: denied"
        ),
    }[decision]
    cases = parse_policy_tests(PATH, text.encode())[0]
    assert run_cases(cases, policies()) == []
    assert run_cases(cases, policies(*extra)) == []


def test_the_schema_is_published_and_valid() -> None:
    from jsonschema import Draft202012Validator

    from jit.validators import load_schema, schema_path

    published = ROOT / "schemas" / "policy-test.schema.json"
    assert published.is_symlink()
    assert published.resolve() == schema_path("policy-test").resolve()
    schema = load_schema("policy-test")
    Draft202012Validator.check_schema(schema)
    assert schema["title"] and schema["description"]
