"""Drift: the recorded grants compared with what Vault and Kubernetes actually hold.

Three findings, each a sentence:

- ``alive-past-expiry``: a recorded credential is still live after ``expires_at`` (its
  revocation keeps failing, or Vault could not shorten a lease);
- ``unrecorded``: a ``jit-*`` Kubernetes binding that no record names;
- ``gone``: a recorded grant that is no longer there (removed outside jit) before its end.

Drift is reported, never repaired silently: revoking something unrecorded, or closing a record
because one lookup said "gone", could cut off access that is legitimately live.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jit.errors import JitError
from jit.reconcile.runtime import RunContext
from jit.reconcile.state import GrantRecord


@dataclass(frozen=True)
class DriftItem:
    what: str  # "alive-past-expiry", "unrecorded" or "gone"
    grant_id: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"what": self.what, "grant_id": self.grant_id, "message": self.message}


def backend_name(kind: str) -> str:
    """The service a grant kind lives in, as messages name it."""
    return "Kubernetes" if kind == "kubernetes-rolebinding" else "Vault"


def check_records(
    ctx: RunContext, records: Iterable[GrantRecord], unchecked: list[str] | None = None
) -> list[DriftItem]:
    """Look up every recorded grant that should exist (one lookup each).

    A lookup that fails is not a clean bill: it goes to ``unchecked`` when given (``jit drift``
    exits 4 on it), else to the report's notes. A backend that cannot be connected to at all
    is tried once, not once per grant."""
    found = []
    now = ctx.clock()
    dead: set[str] = set()  # backends that could not be connected to
    problems: list[str] = [] if unchecked is None else unchecked
    start = len(problems)
    for record in records:
        if record.status == "issuing" or record.handle is None:
            continue
        name = backend_name(record.kind)
        if name in dead:
            continue
        try:
            backend = ctx.backend(record.kind)
        except JitError as exc:
            dead.add(name)
            problems.append(f"{name}: cannot connect, so its grants were not checked: {exc}")
            continue
        try:
            live = backend.is_live(record.kind, record.handle)
        except JitError as exc:
            problems.append(f"{record.grant_id}: {name} drift check skipped: {exc}")
            continue
        if live and now >= record.expires_at:
            found.append(
                DriftItem(
                    "alive-past-expiry",
                    record.grant_id,
                    f"{record.grant_id} ({record.kind}, {record.resource} for {record.requester}) "
                    f"is still live after its end at {record.expires_at:%Y-%m-%d %H:%M:%S}Z.",
                )
            )
        elif not live and now < record.expires_at:
            found.append(
                DriftItem(
                    "gone",
                    record.grant_id,
                    f"{record.grant_id} ({record.kind}, {record.resource} for {record.requester}) "
                    "is recorded as active but no longer exists; someone removed it outside jit.",
                )
            )
    if unchecked is None:
        ctx.report.notes.extend(problems[start:])
    return found


def find_unrecorded(
    ctx: RunContext, records: Mapping[str, GrantRecord], unchecked: list[str] | None = None
) -> list[DriftItem]:
    """``jit-*`` bindings in Kubernetes that no record names. (Vault identity groups are not
    listed: that needs ``list`` on ``identity/group/name``, more than jit's policy grants; a
    recorded group that is gone is still found by ``check_records``.)"""
    items = []
    for gid, where in _managed(ctx, ctx.report.notes if unchecked is None else unchecked):
        if gid not in records:
            items.append(
                DriftItem(
                    "unrecorded",
                    gid or None,
                    f"{where} is named like a jit grant but "
                    "no record in state/grants names it; find out who created it.",
                )
            )
    return items


def unrecorded_drift(ctx: RunContext, before: Mapping[str, GrantRecord]) -> None:
    """What ``jit reconcile`` adds to its report: unrecorded objects, and the grants that
    were active before the run and that it did not touch."""
    after, _ = ctx.store.load_readable()
    untouched = [r for gid, r in sorted(after.items()) if gid in before and r == before[gid]]
    items = check_records(ctx, untouched) + find_unrecorded(ctx, after)
    ctx.report.drift.extend(item.message for item in items)


def _managed(ctx: RunContext, problems: list[str]) -> Iterator[tuple[str, str]]:
    kinds = {r.grant.kind for r in ctx.policies.resources.values()}
    if "kubernetes-rolebinding" in kinds and ctx.settings.kubernetes:
        for cluster in sorted(ctx.settings.kubernetes):
            try:
                kube: Any = ctx.backend("kubernetes-rolebinding")
                listed = kube.list_managed(cluster)
            except JitError as exc:
                problems.append(
                    f"Kubernetes: drift: listing bindings in {cluster}, so unrecorded bindings "
                    f"there were not looked for: {exc}"
                )
                continue
            for entry in listed:
                place = f"{entry.get('namespace')}/" if entry.get("namespace") else ""
                yield (
                    entry.get("grant_id", ""),
                    f"{entry.get('binding_kind', 'binding')} {place}{entry.get('name')} in "
                    f"cluster {cluster}",
                )
