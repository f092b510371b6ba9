"""Request bodies checked against ``../shared/contracts/vault/openapi.json`` (Vault 1.15).

The contract's request schemas are accurate (NOTES §10) but permissive: they never forbid
unknown fields, and real Vault only *warns* about a field it ignores. A product bug of that
kind (a misspelt ``explicit_max_tll``) would pass silently, so this check is stricter: a field
the schema does not name is a violation too. ``kvpairs`` objects must map strings to strings.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import jsonschema

Json = dict[str, Any]
_REPO = Path(__file__).resolve().parents[3]
_METHOD = {"GET": "get", "LIST": "get", "POST": "post", "DELETE": "delete"}


class ContractViolation(AssertionError):
    """The product sent Vault something the contract does not allow. Fails the test."""


def contracts_dir() -> Path | None:
    """``$JIT_CONTRACTS_DIR`` or ``../shared/contracts`` from the repository root, if present."""
    env = os.environ.get("JIT_CONTRACTS_DIR")
    candidate = Path(env) if env else _REPO.parent / "shared" / "contracts"
    return candidate if (candidate / "vault" / "openapi.json").is_file() else None


def contracts_required() -> bool:
    return os.environ.get("JIT_REQUIRE_CONTRACTS") == "1"


@functools.lru_cache(maxsize=2)
def load_openapi(path: Path) -> Json:
    with path.open(encoding="utf-8") as handle:
        data: Json = json.load(handle)
    return data


def _kvpairs(instance: object) -> bool:
    if not isinstance(instance, dict):
        return True
    return all(isinstance(v, str) for v in instance.values())


_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("kvpairs")(_kvpairs)


def _strict(schema: Json) -> Json:
    if schema.get("type") == "object" and "properties" in schema:
        schema = {"additionalProperties": False, **schema}
    return schema


class Contract:
    """The Vault OpenAPI document, queried by path template and method."""

    def __init__(self, openapi: Json) -> None:
        self._doc = openapi
        self._paths: dict[str, Json] = openapi["paths"]

    @classmethod
    def from_dir(cls, directory: Path) -> Contract:
        return cls(load_openapi(directory / "vault" / "openapi.json"))

    def operation(self, template: str, method: str) -> Json | None:
        item = self._paths.get(template)
        if item is None:
            return None
        op: Json | None = item.get(_METHOD[method])
        return op

    def is_sudo(self, template: str) -> bool:
        return bool(self._paths.get(template, {}).get("x-vault-sudo"))

    def _resolve(self, schema: Json) -> Json:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            resolved: Json = self._doc
            for part in ref.removeprefix("#/").split("/"):
                resolved = resolved[part]
            return resolved
        return schema

    def problems(self, template: str, method: str, body: Json | None) -> list[str]:
        """Why ``body`` is not a valid request for ``method template`` (empty: it is)."""
        where = f"{method} {template}"
        op = self.operation(template, method)
        if op is None:
            return [f"{where}: no such operation in the Vault contract"]
        if method == "LIST" and not any(p.get("name") == "list" for p in op.get("parameters", [])):
            return [f"{where}: the contract has no LIST form of this path"]
        request_body = op.get("requestBody")
        if request_body is None:
            return [f"{where}: sends a body, but this operation takes none"] if body else []
        schema = request_body.get("content", {}).get("application/json", {}).get("schema", {})
        instance = {k: v for k, v in (body or {}).items() if v is not None}
        validator = jsonschema.Draft7Validator(
            _strict(self._resolve(schema)), format_checker=_FORMATS
        )
        return [
            f"{where}: {'/'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]
