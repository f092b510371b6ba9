"""Schema failures explained: one clear message per place, pinned to the right line."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from jit import validators
from jit.parse import parse_policies, parse_request
from jit.parse.schema_errors import _locate, _reason
from jit.parse.values import check_duration, check_timestamp
from jit.validators import generate

RESOURCE = """resources:
  x:
    description: A case
    grant: {grant}
    eligible: {eligible}
    max_duration: {max_duration}
    approvals: [{{from: [carol], count: {count}}}]
"""


def policy_messages(**fields: str) -> list[tuple[str, int | None, str]]:
    values = {
        "grant": "{kind: vault-token, policies: [ops]}",
        "eligible": "[alice]",
        "max_duration": "1h",
        "count": "1",
    }
    values.update(fields)
    _, findings = parse_policies({"policies/p.yaml": RESOURCE.format(**values).encode()})
    return [(f.code, f.line, f.message) for f in findings]


@pytest.mark.parametrize(
    ("fields", "code", "line", "text"),
    [
        ({"max_duration": "two hours"}, "invalid-duration", 6, "'two hours' is not a duration"),
        ({"max_duration": "true"}, "wrong-type", 6, "true (yes, no, on, off"),
        ({"max_duration": ""}, "wrong-type", 6, "an empty value"),
        ({"max_duration": "{a: 1}"}, "wrong-type", 6, "a mapping"),
        ({"count": "21"}, "invalid-value", 7, "it must be at most 20"),
        ({"count": "'2'"}, "wrong-type", 7, "must be a whole number, but YAML read the text '2'"),
        ({"eligible": "[alice, alice]"}, "invalid-value", 5, "an entry is listed twice"),
        ({"eligible": "[alice/, bob]"}, "invalid-value", 5, "write it like acme/dba"),
        (
            {"grant": "{kind: vault-token, policies: ['a b']}"},
            "invalid-value",
            4,
            "it must match ^[A-Za-z0-9_.-]+$",
        ),
        (
            {"grant": "{kind: vault-token, policies: [ops], token_role: ''}"},
            "invalid-value",
            4,
            "it must not be empty",
        ),
        (
            {"grant": "{kind: kubernetes-rolebinding, cluster: c, role: r, role_kind: Role}"},
            "missing-key",
            4,
            "resources.x.grant is missing the required key subject",
        ),
    ],
)
def test_policy_explanations(fields: dict[str, str], code: str, line: int, text: str) -> None:
    found = policy_messages(**fields)
    assert any(c == code and ln == line and text in m for c, ln, m in found), found


def test_one_message_per_place() -> None:
    raw = b"requester: alice\nresource: x\nduration: 2h\nreason: r\nticket: '" + b"x" * 101 + b"'\n"
    _, findings = parse_request("requests/alice/x.yaml", raw)
    assert [(f.code, f.line) for f in findings] == [("invalid-value", 5)]
    assert "it must be at most 100 characters long" in findings[0].message


def test_an_invalid_kind_is_reported_once() -> None:
    found = policy_messages(grant="{kind: nope}")
    assert [(c, ln) for c, ln, _ in found] == [("invalid-value", 4)]
    assert "it must be one of vault-credentials, vault-token" in found[0][2]


def test_reasons_for_other_keywords() -> None:
    def first(schema: dict[str, object], value: object) -> str:
        error = next(iter(Draft202012Validator(schema).iter_errors(value)))
        return _reason(str(error.validator), error)

    assert first({"const": "a"}, "b") == "it must be a"
    assert first({"minimum": 2}, 1) == "it must be at least 2"
    assert first({"minLength": 3}, "a") == "it needs 3+ characters"
    assert first({"minItems": 2}, [1]) == "list 2+ entries"
    assert first({"multipleOf": 2}, 3) == "3 is not a multiple of 2"


def test_locate_falls_back_to_the_nearest_known_ancestor() -> None:
    table = {"": (1, 1), "a": (2, 3)}
    assert _locate("a.b.c", {}, table) == (2, 3)
    assert _locate("z", {}, table) == (1, 1)
    assert _locate("z", {}, {}) == (None, None)


def test_value_checks() -> None:
    assert check_duration("0001h") == 3600
    assert check_duration("00000001h").code == "invalid-duration"  # type: ignore[union-attr]
    assert check_duration("1" * 30).code == "invalid-duration"  # type: ignore[union-attr]
    assert check_timestamp("x" * 50).code == "invalid-timestamp"  # type: ignore[union-attr]


def test_stale_generated_module_falls_back_to_compiling(tmp_path: Path) -> None:
    compiled = validators._compile_now("request")
    good = {"requester": "a", "resource": "r", "duration": "1h", "reason": "x"}
    assert compiled(good) == good
    with pytest.raises(ValueError, match="duration"):
        compiled({**good, "duration": 3600})


def test_generate_main_writes_every_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generate, "module_path", lambda name: tmp_path / f"_{name}.py")
    assert generate.main() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_policy.py",
        "_request.py",
        "_settings.py",
    ]
    assert (tmp_path / "_request.py").read_text() == generate.generate("request")
    assert capsys.readouterr().out.count("wrote ") == 3
