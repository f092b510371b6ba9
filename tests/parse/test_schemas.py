"""The schemas: one source of truth, valid against their metaschema, compiled validators
fresh and in agreement with jsonschema."""

from __future__ import annotations

import json
from pathlib import Path

import fastjsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator

from jit.parse.yaml.loader import load_yaml
from jit.validators import SCHEMA_NAMES, SchemaName, is_valid, load_schema, schema_path
from jit.validators.generate import generate, module_path, validation_schema
from tests.parse.helpers import CASES, ROOT


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_top_level_schema_is_a_symlink_to_the_packaged_one(name: str) -> None:
    published = ROOT / "schemas" / f"{name}.schema.json"
    assert published.is_symlink()
    assert published.resolve() == schema_path(name).resolve()
    assert schema_path(name).resolve().parent == (ROOT / "jit" / "schemas").resolve()
    assert not schema_path(name).is_symlink()


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schema_is_valid_2020_12_with_editor_annotations(name: SchemaName) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] and schema["description"]
    for key, prop in schema["properties"].items():
        assert prop.get("description") or prop.get("$ref") or prop.get("title"), key


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_generated_validator_is_fresh(name: SchemaName) -> None:
    """Regenerate with `python -m jit.validators.generate` when this fails."""
    source = module_path(name).read_text(encoding="utf-8")
    assert source == generate(name) or f'VERSION = "{fastjsonschema.VERSION}"' not in source
    digest = next(line for line in source.splitlines() if line.startswith("SCHEMA_DIGEST"))
    assert digest == generate(name).splitlines()[5]


def test_annotations_do_not_change_validation() -> None:
    schema = {"title": "t", "properties": {"title": {"type": "string", "description": "d"}}}
    assert validation_schema(schema) == {"properties": {"title": {"type": "string"}}}


def _request_documents() -> list[object]:
    docs = []
    for path in sorted((CASES / "valid").glob("*.yaml")) + sorted(
        (CASES / "invalid").glob("*.yaml")
    ):
        loaded = load_yaml(path.name, path.read_bytes())
        if loaded.data is not None:
            docs.append(loaded.data)
    return docs


def _policy_documents() -> list[object]:
    docs = []
    for path in [*(CASES / "policy-invalid").glob("*.yaml"), *(ROOT / "policies").glob("*.yaml")]:
        loaded = load_yaml(path.name, path.read_bytes())
        if loaded.data is not None and path.name != "settings.yaml":
            docs.append(loaded.data)
    return docs


@pytest.mark.parametrize(
    ("name", "documents"),
    [("request", _request_documents()), ("policy", _policy_documents())],
)
def test_compiled_validator_agrees_with_jsonschema(
    name: SchemaName, documents: list[object]
) -> None:
    reference = Draft202012Validator(load_schema(name))
    verdicts = [is_valid(name, doc) for doc in documents]
    assert verdicts == [reference.is_valid(doc) for doc in documents]
    assert True in verdicts and False in verdicts


def test_settings_schema_agrees_on_the_bundled_settings() -> None:
    data = yaml.safe_load((ROOT / "policies/settings.yaml").read_text())
    assert is_valid("settings", data)
    assert not is_valid("settings", {**data, "vault": {"wrap_ttl": 3600}})


def test_schemas_are_json_with_a_trailing_newline() -> None:
    for name in SCHEMA_NAMES:
        text = Path(schema_path(name)).read_text(encoding="utf-8")
        assert text.endswith("}\n")
        json.loads(text)
