"""Properties of the hash chain: every honest chain verifies; every single tampering is caught
and the report names the entry where the chain breaks."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from jit.audit import entries as E
from jit.audit.canon import GENESIS, VERSION, Head, line_hash, seal
from jit.audit.chain import ChainWalker, verify_lines
from tests.audit.helpers import chain, head_of

TEXT = st.text(max_size=12)
LOGIN = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)

PAYLOAD = st.one_of(
    st.builds(E.drift, what=TEXT),
    st.builds(E.requested, request_id=TEXT, requester=LOGIN, resource=TEXT,
              pr=st.none() | st.integers(1, 10**6), merge_commit=st.none() | TEXT),
    st.builds(E.denied, request_id=TEXT, requester=LOGIN, resource=TEXT, pr=st.integers(1, 99),
              reasons=st.lists(TEXT, max_size=3)),
    st.builds(E.issuing, grant_id=LOGIN, request_id=TEXT, kind=TEXT),
    st.builds(E.revoke_failed, grant_id=LOGIN, error=TEXT, attempt=st.integers(1, 9)),
    st.builds(E.delivery, grant_id=LOGIN, method=st.sampled_from(["age-ssh", "refused"])),
)  # fmt: skip
PAYLOADS = st.lists(PAYLOAD, min_size=1, max_size=12)


@given(PAYLOADS)
def test_any_sequence_of_appends_verifies(payloads: list[dict[str, object]]) -> None:
    lines = chain(payloads)
    result = verify_lines(lines, head_of(lines))
    assert result.ok and result.first_broken is None
    assert result.count == len(lines)
    assert result.head == head_of(lines)


@given(PAYLOADS)
def test_each_line_is_canonical_and_carries_its_own_hash(payloads: list[dict[str, object]]) -> None:
    for seq, line in enumerate(chain(payloads)):
        entry = json.loads(line)
        body = {k: v for k, v in entry.items() if k != "hash"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert entry["hash"] == line_hash(canonical.encode())
        assert entry["seq"] == seq and entry["v"] == VERSION


@given(PAYLOADS, st.data())
def test_editing_any_byte_is_named_at_that_entry(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    k = data.draw(st.integers(0, len(lines) - 1), label="entry")
    pos = data.draw(st.integers(0, len(lines[k]) - 1), label="byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b not in (10, lines[k][pos])))
    tampered = list(lines)
    tampered[k] = lines[k][:pos] + bytes([new]) + lines[k][pos + 1 :]
    broken = verify_lines(tampered, head_of(lines)).first_broken
    assert broken is not None
    assert (broken.seq, broken.line_no) == (k, k + 1)
    assert broken.reason in ("edited", "malformed")


@given(PAYLOADS, st.data())
def test_deleting_an_entry_is_named(payloads: list[dict[str, object]], data: st.DataObject) -> None:
    lines = chain(payloads)
    k = data.draw(st.integers(0, len(lines) - 1))
    broken = verify_lines(lines[:k] + lines[k + 1 :], head_of(lines)).first_broken
    assert broken is not None
    assert (broken.seq, broken.line_no) == (k, k + 1)
    assert broken.reason == ("truncated" if k == len(lines) - 1 else "removed")


@given(PAYLOADS.filter(lambda p: len(p) >= 2), st.data())
def test_swapping_two_entries_is_named(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    i = data.draw(st.integers(0, len(lines) - 2))
    j = data.draw(st.integers(i + 1, len(lines) - 1))
    swapped = list(lines)
    swapped[i], swapped[j] = lines[j], lines[i]
    broken = verify_lines(swapped, head_of(lines)).first_broken
    assert broken is not None
    assert (broken.seq, broken.line_no, broken.reason) == (i, i + 1, "reordered")
    assert f"seq {i} appears later" in broken.message


@given(PAYLOADS, st.data())
def test_cutting_entries_off_the_end_is_caught_by_head(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    keep = data.draw(st.integers(0, len(lines) - 1))
    broken = verify_lines(lines[:keep], head_of(lines)).first_broken
    assert broken is not None
    assert (broken.seq, broken.line_no, broken.reason) == (keep, keep + 1, "truncated")


@given(PAYLOADS, st.data())
def test_truncating_the_file_at_any_byte_is_named(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    blob = b"".join(line + b"\n" for line in lines)
    cut = data.draw(st.integers(0, len(blob) - 1))
    walker = ChainWalker()
    walker.feed("audit/2026/11.jsonl", blob[:cut])
    broken = walker.finish(head_of(lines)).first_broken
    whole_lines = blob[:cut].count(b"\n")
    assert broken is not None
    assert (broken.seq, broken.line_no, broken.reason) == (
        whole_lines,
        whole_lines + 1,
        "truncated",
    )
    assert broken.file == "audit/2026/11.jsonl"


@given(PAYLOADS, st.data())
def test_rewriting_from_a_point_without_the_previous_hash_is_named(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    k = data.draw(st.integers(0, len(lines) - 1))
    guess = data.draw(st.sampled_from([GENESIS, "f" * 64, line_hash(b"something else")]))
    forged, prev = list(lines[:k]), guess
    for seq in range(k, len(lines)):
        _, line = seal(E.drift(what=f"forged {seq}"), seq=seq, ts="2026-11-03T09:00:00Z", prev=prev)
        forged.append(line)
        prev = line_hash(line)
    if k == 0 and guess == GENESIS:
        return  # a whole new chain: only git history can tell (see the git_history tests)
    broken = verify_lines(forged, head_of(forged)).first_broken
    assert broken is not None
    assert (broken.seq, broken.line_no, broken.reason) == (k, k + 1, "prev-mismatch")


@settings(max_examples=60)
@given(PAYLOADS, st.data())
def test_a_consistent_rewrite_is_caught_by_a_later_checkpoint(
    payloads: list[dict[str, object]], data: st.DataObject
) -> None:
    lines = chain(payloads)
    k = data.draw(st.integers(0, len(lines) - 1), label="rewritten from")
    seqs = data.draw(st.sets(st.integers(0, len(lines) - 1)), label="checkpoints")
    forged, prev = list(lines[:k]), (GENESIS if k == 0 else line_hash(lines[k - 1]))
    for seq in range(k, len(lines)):
        _, line = seal(E.drift(what=f"forged {seq}"), seq=seq, ts="2026-11-03T09:00:00Z", prev=prev)
        forged.append(line)
        prev = line_hash(line)
    checkpoints = {s: (line_hash(lines[s]), f"commit c{s}") for s in seqs}
    walker = ChainWalker(checkpoints=checkpoints)
    walker.feed("f", b"".join(line + b"\n" for line in forged))
    result = walker.finish(head_of(forged))
    later = sorted(s for s in seqs if s >= k)
    if not later:
        assert result.ok  # the limit of a chain without an anchor: documented in ADR 0003
        return
    assert result.first_broken is not None
    assert (result.first_broken.seq, result.first_broken.reason) == (later[0], "rewritten")
    assert f"commit c{later[0]}" in result.first_broken.message


def test_verify_lines_without_a_head_checks_the_links_only() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b")])
    assert verify_lines(lines[:1]).ok
    assert verify_lines([]).ok and verify_lines([]).head is None


def test_an_empty_chain_with_a_recorded_head_is_truncated() -> None:
    broken = verify_lines([], Head(3, "0" * 64)).first_broken
    assert broken is not None and (broken.seq, broken.reason) == (0, "truncated")


def test_entries_after_head_mean_head_was_rolled_back() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b")])
    broken = verify_lines(lines, head_of(lines[:1])).first_broken
    assert broken is not None and (broken.seq, broken.reason) == (1, "head-mismatch")


def test_a_replaced_last_entry_with_a_valid_own_hash_mismatches_head() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b")])
    _, other = seal(E.drift(what="c"), seq=1, ts="2026-11-03T09:00:00Z", prev=line_hash(lines[0]))
    broken = verify_lines([lines[0], other], head_of(lines)).first_broken
    assert broken is not None and (broken.seq, broken.line_no, broken.reason) == (
        1,
        2,
        "head-mismatch",
    )


def test_a_replaced_middle_entry_with_a_valid_own_hash_breaks_the_next_link() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b"), E.drift(what="c")])
    _, other = seal(E.drift(what="B"), seq=1, ts="2026-11-03T09:00:00Z", prev=line_hash(lines[0]))
    broken = verify_lines([lines[0], other, lines[2]], head_of(lines)).first_broken
    assert broken is not None and (broken.seq, broken.reason) == (2, "prev-mismatch")
    assert "seq 1, <lines>:2" in broken.message


def test_time_going_backwards_is_misplaced() -> None:
    first = chain([E.drift(what="a")], ts="2026-11-03T10:00:00Z")
    _, second = seal(E.drift(what="b"), seq=1, ts="2026-11-03T09:00:00Z", prev=line_hash(first[0]))
    broken = verify_lines([*first, second]).first_broken
    assert broken is not None and (broken.seq, broken.reason) == (1, "misplaced")


def test_a_line_that_is_not_an_entry_is_malformed() -> None:
    lines = chain([E.drift(what="a")])
    for junk in (b"", b"{}", b'{"hash":"0"}', b"not json"):
        broken = verify_lines([*lines, junk]).first_broken
        assert broken is not None and (broken.seq, broken.reason) == (1, "malformed"), junk


def test_an_entry_without_seq_prev_or_ts_is_malformed() -> None:
    body: dict[str, object] = {"type": "drift", "what": "x", "v": 1}
    body["hash"] = line_hash(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    line = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    broken = verify_lines([line]).first_broken
    assert broken is not None and broken.reason == "malformed"


def test_crlf_line_endings_from_a_windows_checkout_still_verify() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b")])
    walker = ChainWalker()
    walker.feed("f", b"".join(line + b"\r\n" for line in lines))
    assert walker.finish(head_of(lines)).ok


def test_feeding_after_a_break_only_looks_for_the_missing_entry() -> None:
    lines = chain([E.drift(what=str(i)) for i in range(4)])
    walker = ChainWalker()
    walker.feed("a", lines[0] + b"\n" + lines[2] + b"\n")
    walker.feed("b", lines[1] + b"\n" + lines[3] + b"\n")
    broken = walker.finish(head_of(lines)).first_broken
    assert broken is not None and (broken.file, broken.seq, broken.reason) == ("a", 1, "reordered")
    assert broken.as_text().startswith("a:2: seq 1: reordered: expected seq 1, found seq 2")


def test_hooks_see_each_intact_entry_of_their_type_on_both_paths() -> None:
    seen: list[tuple[str, int]] = []
    lines = chain([E.drift(what="x"), E.issuing(grant_id="g", request_id="r", kind="k")] * 2)
    walker = ChainWalker(
        hooks={"issuing": lambda f, n, line: seen.append((f, n)),
               "drift": lambda f, n, line: seen.append((f, -n))},
        checkpoints={3: (line_hash(lines[3]), "commit x")},
    )  # fmt: skip
    walker.feed("f", b"".join(line + b"\n" for line in lines))
    assert walker.finish(head_of(lines)).ok
    assert seen == [("f", -1), ("f", 2), ("f", -3), ("f", 4)]


def test_a_file_cut_just_before_its_final_newline_is_truncated_at_the_last_entry() -> None:
    lines = chain([E.drift(what="a"), E.drift(what="b")])
    walker = ChainWalker()
    walker.feed("f", lines[0] + b"\n" + lines[1])
    broken = walker.finish(head_of(lines)).first_broken
    assert broken is not None and (broken.seq, broken.line_no, broken.reason) == (1, 2, "truncated")
    assert "does not end with a newline" in broken.message


def test_a_removed_entry_is_not_confused_with_a_longer_seq_further_on() -> None:
    lines = chain([E.drift(what=str(i)) for i in range(13)])
    broken = verify_lines(lines[:1] + lines[2:], head_of(lines)).first_broken
    assert broken is not None and (broken.seq, broken.reason) == (
        1,
        "removed",
    )  # seq 10..12 are not 1


def test_a_prev_of_the_wrong_width_is_malformed() -> None:
    _, line = seal(E.drift(what="a"), seq=0, ts="2026-11-03T09:00:00Z", prev="abc")
    broken = verify_lines([line]).first_broken
    assert broken is not None and broken.reason == "malformed"
