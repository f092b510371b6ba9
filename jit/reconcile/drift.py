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


def check_records(ctx: RunContext, records: Iterable[GrantRecord]) -> list[DriftItem]:
    """Look up every recorded grant that should exist (one lookup each)."""
    found = []
    now = ctx.clock()
    for record in records:
        if record.status == "issuing" or record.handle is None:
            continue
        try:
            live = ctx.backend(record.kind).is_live(record.kind, record.handle)
        except JitError as exc:
            ctx.report.notes.append(f"{record.grant_id}: drift check skipped: {exc}")
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
    return found


def find_unrecorded(ctx: RunContext, records: Mapping[str, GrantRecord]) -> list[DriftItem]:
    """``jit-*`` bindings in Kubernetes that no record names. (Vault identity groups are not
    listed: that needs ``list`` on ``identity/group/name``, more than jit's policy grants; a
    recorded group that is gone is still found by ``check_records``.)"""
    items = []
    for gid, where in _managed(ctx):
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


def _managed(ctx: RunContext) -> Iterator[tuple[str, str]]:
    kinds = {r.grant.kind for r in ctx.policies.resources.values()}
    if "kubernetes-rolebinding" in kinds and ctx.settings.kubernetes:
        for cluster in sorted(ctx.settings.kubernetes):
            try:
                kube: Any = ctx.backend("kubernetes-rolebinding")
                listed = kube.list_managed(cluster)
            except JitError as exc:
                ctx.report.notes.append(f"drift: listing bindings in {cluster}: {exc}")
                continue
            for entry in listed:
                place = f"{entry.get('namespace')}/" if entry.get("namespace") else ""
                yield (
                    entry.get("grant_id", ""),
                    f"{entry.get('binding_kind', 'binding')} {place}{entry.get('name')} in "
                    f"cluster {cluster}",
                )
