"""Compiled JSON Schema validators: the fast path of ``jit check``.

The modules ``_request``, ``_policy`` and ``_settings`` are generated ahead of time by
``python -m jit.validators.generate`` (fastjsonschema's ``compile_to_code``), so neither
compiling a schema nor importing fastjsonschema costs anything at start-up. Each carries a
fingerprint (CRC-32) of the schema it was generated from; when the packaged schema differs (someone edited
it and did not regenerate), the schema is compiled at run time instead, so a stale module can
cost speed but never correctness. jsonschema explains failures (``jit.parse.schema_errors``).
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Literal

SchemaName = Literal["request", "policy", "settings", "policy-test"]
#: The schemas with a generated validator. ``policy-test`` has none: policy tests are few
#: and read by ``jit check`` only, so jsonschema checks them (``jit.parse.policy_tests``).
SCHEMA_NAMES: tuple[SchemaName, ...] = ("request", "policy", "settings")
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

Validate = Callable[[object], object]


class JsonSchemaValueException(ValueError):  # the name generated code imports
    """Raised by the generated validators; only "invalid" matters, jsonschema explains why."""

    def __init__(
        self,
        message: str,
        value: object = None,
        name: str | None = None,
        definition: object = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.value = value
        self.name = name
        self.rule = rule


class JsonSchemaValuesException(ValueError):
    """Only raised with fast_fail=False, which jit does not use."""


def schema_path(name: SchemaName) -> Path:
    return SCHEMA_DIR / f"{name}.schema.json"


def schema_bytes(name: SchemaName) -> bytes:
    return schema_path(name).read_bytes()


@cache
def load_schema(name: SchemaName) -> dict[str, Any]:
    import json  # only to explain failures or compile a stale schema

    data: dict[str, Any] = json.loads(schema_bytes(name))
    return data


def schema_digest(raw: bytes) -> str:
    """A cheap fingerprint of a schema file (CRC-32: it detects staleness, not tampering;
    the schemas ship inside the package)."""
    return f"{zlib.crc32(raw):08x}"


@cache
def validator(name: SchemaName) -> Validate:
    """The compiled validator for ``name``: raises ``ValueError`` when the data is invalid."""
    module = importlib.import_module(f"jit.validators._{name}")
    if getattr(module, "SCHEMA_DIGEST", None) == schema_digest(schema_bytes(name)):
        validate: Validate = module.validate
        return validate
    return _compile_now(name)  # pragma: no cover - only with a stale generated module


def _compile_now(name: SchemaName) -> Validate:
    import fastjsonschema

    from jit.validators.generate import validation_schema

    compiled: Validate = fastjsonschema.compile(
        validation_schema(load_schema(name)), use_default=False, use_formats=False
    )
    return compiled


def is_valid(name: SchemaName, data: object) -> bool:
    """True when ``data`` passes schema ``name``; the fast check, with no explanation."""
    try:
        validator(name)(data)
    except ValueError:
        return False
    return True
