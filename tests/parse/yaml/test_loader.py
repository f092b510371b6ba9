"""The hostile-input-safe YAML loader and YAML 1.1 scalar typing, on both parsers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
import yaml

from jit.parse.yaml import loader
from jit.parse.yaml.loader import MAX_BYTES, load_yaml
from jit.parse.yaml.scalars import ScalarError, resolve_plain


@pytest.fixture(params=["libyaml", "python"], autouse=True)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Every loader test runs on libyaml's C parser and on PyYAML's pure-Python fallback."""
    if request.param == "python":
        monkeypatch.setattr(loader, "_Parser", yaml.SafeLoader)
    yield request.param


def only_code(raw: bytes) -> tuple[str, int | None, int | None]:
    result = load_yaml("f.yaml", raw)
    assert result.data is None
    assert len(result.findings) == 1, result.findings
    finding = result.findings[0]
    assert finding.file == "f.yaml"
    assert finding.severity == "error"
    return finding.code, finding.line, finding.column


def test_plain_data_with_positions() -> None:
    raw = b"# comment\nrequester: alice\nnested:\n  list: [1, {k: v}]\n  text: 'x'\n"
    result = load_yaml("f.yaml", raw)
    assert result.findings == []
    assert result.data == {"requester": "alice", "nested": {"list": [1, {"k": "v"}], "text": "x"}}
    assert result.positions == {
        "": (2, 1),
        "requester": (2, 12),
        "nested": (3, 1),
        "nested.list": (4, 3),
        "nested.list.0": (4, 10),
        "nested.list.1": (4, 13),
        "nested.list.1.k": (4, 17),
        "nested.text": (5, 9),
    }
    assert result.key_positions["nested.list.1.k"] == (4, 14)
    assert result.key_positions["requester"] == (2, 1)


@pytest.mark.parametrize(
    ("raw", "code", "line", "column"),
    [
        (b"a: 1\nb: 2\na: 3\n", "duplicate-key", 3, 1),
        (b"a: {x: 1, x: 2}\n", "duplicate-key", 1, 11),
        (b"'a': 1\na: 2\n", "duplicate-key", 2, 1),
        (b"a: &anchor 1\n", "yaml-anchor", 1, 4),
        (b"a: 1\nb: *alias\n", "yaml-anchor", 2, 4),
        (b"a: &m {x: 1}\n", "yaml-anchor", 1, 4),
        (b"<<: {x: 1}\n", "yaml-merge-key", 1, 1),
        (b"a: !!str 1\n", "yaml-tag", 1, 4),
        (b"a: !custom 1\n", "yaml-tag", 1, 4),
        (b"a: !!python/object/apply:os.system ['true']\n", "yaml-tag", 1, 4),
        (b"a: ! x\n", "yaml-tag", 1, 4),
        (b"--- !!map\na: 1\n", "yaml-tag", 1, 5),
        (b"a: 1\n---\nb: 2\n", "multiple-documents", 2, 1),
        (b"- a\n- b\n", "not-a-mapping", 1, 1),
        (b"just text\n", "not-a-mapping", 1, 1),
        (b"42\n", "not-a-mapping", 1, 1),
        (b"? [a]\n: b\n", "yaml-complex-key", 1, 3),
        (b"? {a: 1}\n: b\n", "yaml-complex-key", 1, 3),
        (b"a: [\n", "yaml-syntax", 2, 1),
        (b"a: b: c\n", "yaml-syntax", 1, 5),
        (b"\xff\xfeh\x00i\x00", "invalid-utf8", 1, 1),
        (b"a: ok\nb: \xc3\x28\n", "invalid-utf8", 2, 4),
        (b"a: \x00\n", "control-character", 1, 4),
        (b"a: \x1b[31mred\n", "control-character", 1, 4),
        (b"a: 'x\xc2\x85y'\nb: \x7f\n", "control-character", 2, 4),
        ("a: 'admin\u202e'\n".encode(), "bidi-control", 1, 10),
        ("a: b # \u2066\n".encode(), "bidi-control", 1, 8),
        (b"a: " + b"[" * 40 + b"]" * 40 + b"\n", "too-deep", 1, 35),
        (b"a: " + b"7" * 5000 + b"\n", "invalid-number", 1, 4),
    ],
)
def test_rejects_with_a_finding_at_the_right_place(
    raw: bytes, code: str, line: int | None, column: int | None
) -> None:
    assert only_code(raw) == (code, line, column)


@pytest.mark.parametrize(
    "raw", [b"", b"   \n\n", b"# only a comment\n", b"---\n", b"--- # nothing\n..."]
)
def test_empty_files(raw: bytes) -> None:
    assert only_code(raw)[0] == "empty-file"


def test_oversized_file_is_rejected_unparsed() -> None:
    raw = b"a: " + b"x" * MAX_BYTES + b"\n"
    assert only_code(raw) == ("file-too-large", None, None)
    assert load_yaml("f.yaml", raw, max_bytes=len(raw)).data == {"a": "x" * MAX_BYTES}


def test_many_problems_are_capped() -> None:
    result = load_yaml("f.yaml", b"a: 1\n" * 500)
    assert result.data is None
    assert len(result.findings) == loader.MAX_FINDINGS
    assert {f.code for f in result.findings} == {"duplicate-key"}


def test_several_tags_and_duplicates_are_all_reported() -> None:
    result = load_yaml("f.yaml", b"a: !!str x\nb: !!int 1\na: y\n")
    assert [(f.code, f.line) for f in result.findings] == [
        ("yaml-tag", 1),
        ("yaml-tag", 2),
        ("duplicate-key", 3),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"%YAML 1.1\n---\na: 1\n",
        b"\xef\xbb\xbfa: 1\n",
        b"a: 1\n...\n",
        b"a: 1\r\n",
        b"{a: 1}",
        b"a: 1 # trailing comment\n",
    ],
)
def test_accepts_ordinary_variants(raw: bytes) -> None:
    result = load_yaml("f.yaml", raw)
    assert result.findings == []
    assert result.data == {"a": 1}


def test_keys_stay_text_and_quoted_values_are_never_typed() -> None:
    raw = b"1: a\nyes: b\nnull: c\nd: '7200'\ne: \"true\"\nf: |\n  1\n"
    assert load_yaml("f.yaml", raw).data == {
        "1": "a",
        "yes": "b",
        "null": "c",
        "d": "7200",
        "e": "true",
        "f": "1\n",
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7200", 7200),
        ("-12", -12),
        ("+3", 3),
        ("1_000", 1000),
        ("0", 0),
        ("010", 8),
        ("0o10", "0o10"),
        ("0b101", 5),
        ("0x1F", 31),
        ("-0x10", -16),
        ("1:30", 90),
        ("1:30:00", 5400),
        ("1.5", 1.5),
        ("1e9", 1e9),
        ("1E-3", 1e-3),
        ("-2.5e+2", -250.0),
        (".5", 0.5),
        ("1:30.5", 90.5),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("yes", True),
        ("Off", False),
        ("TRUE", True),
        ("~", None),
        ("", None),
        ("Null", None),
        ("2h", "2h"),
        ("1h30m", "1h30m"),
        ("2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
        ("2026-11-23", "2026-11-23"),
        ("09", "09"),
        ("1.2.3", "1.2.3"),
        ("-", "-"),
        ("alice", "alice"),
        ("y", "y"),
    ],
)
def test_yaml11_plain_scalars(text: str, value: object) -> None:
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_nan_and_huge_numbers() -> None:
    assert math.isnan(resolve_plain(".NaN"))  # type: ignore[arg-type]
    assert resolve_plain("9" * 400 + ".0") == math.inf
    with pytest.raises(ScalarError):
        resolve_plain("1" * 4001)
    assert resolve_plain("1" * 4000) == int("1" * 4000)
