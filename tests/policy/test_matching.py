"""The stage assignment: meet as many stages as possible, each person in one stage at most."""

from __future__ import annotations

from jit.policy.matching import EXACT_LIMIT, assign


def test_first_fit_would_fail_where_matching_meets_both() -> None:
    # person 0 may approve both stages, person 1 only stage 0.
    assert assign([1, 1], [[0, 1], [0]]) == [[1], [0]]


def test_augmenting_paths_reshuffle_through_several_people() -> None:
    # A chain: stage 2 can only take person 0, who holds stage 0 until reshuffled.
    assert assign([1, 1, 1], [[0, 1], [1, 2], [0]]) == [[1], [2], [0]]


def test_a_stage_that_cannot_be_met_still_gets_partial_approvals() -> None:
    assert assign([3, 1], [[0, 1], [2]]) == [[0, 1], [2]]


def test_more_stages_met_beats_an_earlier_stage() -> None:
    # Stage 0 needs both people; stages 1 and 2 need one each. Two met stages beat one.
    assert assign([2, 1, 1], [[0, 1], [0], [1]]) == [[], [0], [1]]


def test_ties_go_to_the_earlier_stages() -> None:
    assert assign([1, 1], [[0], [0]]) == [[0], []]


def test_with_two_person_stages_a_new_approval_can_move_which_stages_are_met() -> None:
    # Documented limit: with counts >= 2, "as many stages as possible" cannot also keep
    # every met stage met. Before: people 0, 1 -> stages 1 and 2 met (stage 0 needs both).
    before = assign([2, 1, 1], [[0, 1], [0], [1]])
    assert [len(p) >= c for p, c in zip(before, [2, 1, 1], strict=True)] == [False, True, True]
    # Person 2 may approve stage 2: {0, 2} is now as large and comes first.
    after = assign([2, 1, 1], [[0, 1], [0], [1, 2]])
    assert [len(p) >= c for p, c in zip(after, [2, 1, 1], strict=True)] == [True, False, True]


def test_many_stages_fall_back_to_greedy_in_order() -> None:
    stages = EXACT_LIMIT + 3
    eligible = [[s] for s in range(stages)]
    eligible[1] = [0]  # stage 1 competes with stage 0 for person 0 and loses
    result = assign([1] * stages, eligible)
    assert result[0] == [0] and result[1] == []
    assert all(result[s] == [s] for s in range(2, stages))


def test_nobody_eligible_meets_nothing() -> None:
    assert assign([1, 2], [[], []]) == [[], []]
    assert assign([], []) == []
