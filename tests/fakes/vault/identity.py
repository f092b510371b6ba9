"""The identity store: entities, entity aliases, lookups and internal groups (NOTES §7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tests.fakes.vault.routing import route
from tests.fakes.vault.wire import (
    Json,
    Reply,
    Req,
    VaultErr,
    bad_request,
    multierror,
    no_content,
    not_found,
    ok,
    rfc3339,
)

if TYPE_CHECKING:
    from tests.fakes.vault.core import FakeVault


@dataclass
class Alias:
    id: str
    name: str
    mount_accessor: str
    canonical_id: str
    creation_time: datetime | None = None
    metadata: dict[str, str] | None = None


@dataclass
class Entity:
    id: str
    name: str
    policies: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    aliases: list[Alias] = field(default_factory=list)
    creation_time: datetime | None = None


@dataclass
class Group:
    id: str
    name: str
    type: str
    policies: list[str]
    member_entity_ids: list[str]
    metadata: dict[str, str]
    creation_time: datetime
    last_update_time: datetime
    modify_index: int = 1


class IdentityStore:
    def __init__(self, vault: FakeVault) -> None:
        self._vault = vault
        self.entities: dict[str, Entity] = {}  # by id
        self.groups: dict[str, Group] = {}  # by name

    def entity_by_name(self, name: str) -> Entity | None:
        return next((e for e in self.entities.values() if e.name == name), None)

    def add_entity(self, name: str) -> Entity:
        entity = Entity(self._vault.ids.uuid(), name, creation_time=self._vault.clock.now())
        self.entities[entity.id] = entity
        return entity

    def add_alias(self, entity: Entity, name: str, mount_accessor: str) -> Alias:
        alias = Alias(
            self._vault.ids.uuid(),
            name,
            mount_accessor,
            entity.id,
            creation_time=self._vault.clock.now(),
        )
        entity.aliases.append(alias)
        return alias

    def by_alias(self, name: str, mount_accessor: str) -> Entity | None:
        for entity in self.entities.values():
            if any(a.name == name and a.mount_accessor == mount_accessor for a in entity.aliases):
                return entity
        return None


def _alias_data(v: FakeVault, e: Entity, a: Alias) -> Json:
    mount = next((m for m in v.mounts.values() if m.accessor == a.mount_accessor), None)
    return {
        "id": a.id,
        "name": a.name,
        "mount_accessor": a.mount_accessor,
        "mount_path": mount.path if mount else "",
        "mount_type": mount.type if mount else "",
        "canonical_id": e.id,
        "creation_time": rfc3339(a.creation_time),
        "last_update_time": rfc3339(a.creation_time),
        "custom_metadata": None,
        "metadata": a.metadata,
        "local": False,
        "merged_from_canonical_ids": None,
    }


def _entity_data(v: FakeVault, e: Entity) -> Json:
    return {
        "id": e.id,
        "name": e.name,
        "policies": e.policies,
        "metadata": e.metadata or None,
        "aliases": [_alias_data(v, e, a) for a in e.aliases],
        "group_ids": [],
        "direct_group_ids": [],
        "inherited_group_ids": [],
        "merged_entity_ids": None,
        "disabled": False,
        "namespace_id": "root",
        "creation_time": rfc3339(e.creation_time),
        "last_update_time": rfc3339(e.creation_time),
    }


@route(
    "identity",
    "POST",
    "entity/name/{name}",
    exists=lambda v, r: v.identity.entity_by_name(r.params["name"]) is not None,
)
def _write_entity(v: FakeVault, req: Req) -> Reply:
    entity = v.identity.entity_by_name(req.params["name"])
    created = entity is None
    entity = entity or v.identity.add_entity(req.params["name"])
    entity.policies = list(req.body.get("policies") or entity.policies)
    entity.metadata = dict(req.body.get("metadata") or entity.metadata)
    if created:
        return ok({"id": entity.id, "name": entity.name, "aliases": None})
    return no_content()


@route("identity", "GET", "entity/name/{name}")
def _read_entity(v: FakeVault, req: Req) -> Reply:
    entity = v.identity.entity_by_name(req.params["name"])
    if entity is None:
        raise not_found()
    return ok(_entity_data(v, entity))


@route("identity", "POST", "entity-alias")
def _write_alias(v: FakeVault, req: Req) -> Reply:
    entity = v.identity.entities.get(str(req.body.get("canonical_id") or ""))
    if entity is None:
        raise bad_request("invalid canonical ID")
    accessor = str(req.body.get("mount_accessor") or "")
    if not any(m.accessor == accessor for m in v.mounts.values()):
        raise bad_request("invalid mount accessor")
    alias = v.identity.add_alias(entity, str(req.body.get("name") or ""), accessor)
    return ok({"id": alias.id, "canonical_id": entity.id})


@route("identity", "POST", "lookup/entity")
def _lookup_entity(v: FakeVault, req: Req) -> Reply:
    b = {k: x for k, x in req.body.items() if x}
    if not b:
        raise bad_request("query parameter not supplied")
    if set(b) == {"alias_name", "alias_mount_accessor"}:
        entity = v.identity.by_alias(str(b["alias_name"]), str(b["alias_mount_accessor"]))
    elif set(b) == {"name"}:
        entity = v.identity.entity_by_name(str(b["name"]))
    elif set(b) == {"id"}:
        entity = v.identity.entities.get(str(b["id"]))
    else:
        raise bad_request(
            "query parameters must be exactly one of id, name, or alias_name with alias_mount_accessor"
        )
    return no_content() if entity is None else ok(_entity_data(v, entity))


def _group_data(g: Group) -> Json:
    return {
        "id": g.id,
        "name": g.name,
        "type": g.type,
        "policies": g.policies,
        "member_entity_ids": g.member_entity_ids,
        "member_group_ids": None,
        "parent_group_ids": None,
        "metadata": g.metadata or None,
        "alias": {},
        "creation_time": rfc3339(g.creation_time),
        "last_update_time": rfc3339(g.last_update_time),
        "modify_index": g.modify_index,
        "namespace_id": "root",
    }


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(x) for k, x in (value or {}).items()}


@route(
    "identity",
    "POST",
    "group/name/{name}",
    exists=lambda v, r: r.params["name"] in v.identity.groups,
)
def _write_group(v: FakeVault, req: Req) -> Reply:
    b, name, now = req.body, req.params["name"], v.clock.now()
    kind = str(b.get("type") or "internal")
    if kind == "external" and b.get("member_entity_ids"):
        raise bad_request("member entities can't be set manually for external groups")
    members = [str(x) for x in (b.get("member_entity_ids") or [])]
    for member in members:
        if member not in v.identity.entities:
            raise VaultErr(500, multierror(f'invalid entity ID "{member}"'))
    group = v.identity.groups.get(name)
    if group is None:
        group = Group(
            v.ids.uuid(),
            name,
            kind,
            list(b.get("policies") or []),
            members,
            _str_map(b.get("metadata")),
            now,
            now,
        )
        v.identity.groups[name] = group
        return ok({"id": group.id, "name": group.name})
    if "policies" in b:
        group.policies = list(b["policies"] or [])
    if "member_entity_ids" in b:
        group.member_entity_ids = members  # replaces the list; never merges
    if "metadata" in b:
        group.metadata = _str_map(b["metadata"])
    group.last_update_time, group.modify_index = now, group.modify_index + 1
    return no_content()


@route("identity", "GET", "group/name/{name}")
def _read_group(v: FakeVault, req: Req) -> Reply:
    group = v.identity.groups.get(req.params["name"])
    if group is None:
        raise not_found()
    return ok(_group_data(group))


@route("identity", "DELETE", "group/name/{name}")
def _delete_group(v: FakeVault, req: Req) -> Reply:
    v.identity.groups.pop(req.params["name"], None)
    return no_content()
