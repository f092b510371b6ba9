"""Assign approvers to approval stages so that as many stages as possible are met.

"A person satisfies at most one stage" makes this an assignment problem, not a tally. A
stage that needs ``count`` people is ``count`` slots; a person fills at most one slot, and
only a slot of a stage they may approve. Greedy first-fit is wrong: with stage 1 open to
{bob, carol} and stage 2 open to {bob}, taking bob for stage 1 leaves stage 2 unmet although
carol + bob meet both.

The algorithm:

1. Drop stages that cannot be met even alone (fewer eligible people than ``count``).
2. Among the rest, find the largest set of stages whose slots can all be filled at once
   (bipartite matching by augmenting paths); among sets of that size, take the first in
   stage order (lexicographic). With 12 or fewer such stages every subset is tried, which
   is exact; beyond that (no real policy has so many) stages are added greedily in order.
3. Fill what is left of the other stages' slots as far as possible, for a "1 of 2" display.
   Augmenting paths never empty a filled slot, so the met stages stay met.

People are tried in the order given (callers pass the order in which they approved), so
when more people approved than needed, the first ones count. Everything is deterministic.

When every stage needs one person this is the lexicographically first basis of a
transversal matroid, which only grows as approvals are added. When a stage needs two or
more people, adding an approval can move which stages a maximum assignment meets (never
how many, and never away from "all met"); see ``tests/policy/test_matching.py``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import combinations

#: Up to this many individually meetable stages, every subset is tried (2**12 matchings).
EXACT_LIMIT = 12

Slot = tuple[int, int]  # (stage index, seat number)


class _Matcher:
    """A bipartite matching of slots to people, grown one slot at a time."""

    def __init__(self, eligible: Sequence[Sequence[int]]) -> None:
        self._eligible = eligible
        self.slot_of: dict[int, Slot] = {}  # person -> slot
        self._person_of: dict[Slot, int] = {}  # slot -> person

    def fill(self, slot: Slot) -> bool:
        """Fill ``slot`` by an augmenting path (breadth first); False if impossible."""
        reached_from: dict[int, Slot] = {}  # person -> the slot that reached them
        queue: deque[Slot] = deque([slot])
        while queue:
            current = queue.popleft()
            for person in self._eligible[current[0]]:
                if person in reached_from:
                    continue
                reached_from[person] = current
                holder = self.slot_of.get(person)
                if holder is None:
                    self._flip(person, reached_from)
                    return True
                queue.append(holder)
        return False

    def _flip(self, person: int, reached_from: dict[int, Slot]) -> None:
        while True:
            slot = reached_from[person]
            previous = self._person_of.get(slot)
            self.slot_of[person] = slot
            self._person_of[slot] = person
            if previous is None:  # ``slot`` was the new, empty one
                return
            person = previous

    def fill_stage(self, stage: int, count: int) -> bool:
        return all(self.fill((stage, seat)) for seat in range(count))


def _try(
    stages: Sequence[int], counts: Sequence[int], eligible: Sequence[Sequence[int]]
) -> _Matcher | None:
    matcher = _Matcher(eligible)
    for stage in stages:
        if not matcher.fill_stage(stage, counts[stage]):
            return None
    return matcher


def _best(
    candidates: list[int], counts: Sequence[int], eligible: Sequence[Sequence[int]]
) -> tuple[tuple[int, ...], _Matcher]:
    """The stages to meet, and a matching that meets them."""
    if len(candidates) <= EXACT_LIMIT:
        for size in range(len(candidates), 0, -1):
            for subset in combinations(candidates, size):
                matcher = _try(subset, counts, eligible)
                if matcher is not None:
                    return subset, matcher
        return (), _Matcher(eligible)
    chosen: tuple[int, ...] = ()
    best = _Matcher(eligible)
    for stage in candidates:
        matcher = _try((*chosen, stage), counts, eligible)
        if matcher is not None:
            chosen, best = (*chosen, stage), matcher
    return chosen, best


def assign(counts: Sequence[int], eligible: Sequence[Sequence[int]]) -> list[list[int]]:
    """Per stage, the people (indexes, ascending) counted for it.

    ``counts[s]`` is how many distinct people stage ``s`` needs (at least 1); ``eligible[s]``
    lists the people who may approve it, in preference order. Each person is in at most one
    stage's list; a stage is met when its list is ``counts[s]`` long.
    """
    candidates = [s for s, count in enumerate(counts) if len(set(eligible[s])) >= count]
    met, matcher = _best(candidates, counts, eligible)
    for stage, count in enumerate(counts):
        if stage not in met:
            for seat in range(count):
                matcher.fill((stage, seat))
    result: list[list[int]] = [[] for _ in counts]
    for person, (stage, _seat) in matcher.slot_of.items():
        result[stage].append(person)
    return [sorted(people) for people in result]
