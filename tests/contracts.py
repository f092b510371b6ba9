"""Finding ``../shared/contracts`` and checking GitHub payloads against its OpenAPI file.

- :func:`contracts_dir`: ``$JIT_CONTRACTS_DIR``, else ``<repo>/../shared/contracts``, if present.
- :func:`require_contracts`: the directory or a ``pytest.skip`` saying what is missing; a
  ``pytest.fail`` instead when ``JIT_REQUIRE_CONTRACTS=1`` (CI), so contract tests never
  silently stop running there.
- :func:`github_response_validator` / :func:`github_webhook_validator`: jsonschema validators
  for one operation's response or one ``x-webhooks`` payload, with ``$ref`` resolved through a
  ``referencing`` registry and OpenAPI's ``nullable`` turned into JSON Schema. The 13 MB spec is
  loaded once per test session.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

_REPO = Path(__file__).resolve().parent.parent
GITHUB_SPEC = "github/rest-api.openapi.json"
WEBHOOK_EXAMPLES = "github/webhook-examples.json"
_SPEC_URI = "urn:jit:github-rest-api"

#: Concrete paths GitHub serves (and PyGithub follows) that the spec only lists in another form.
PATH_ALIASES = (
    (re.compile(r"^/organizations/\d+/team/(\d+)"), r"/teams/\1"),
    (re.compile(r"^(/repos/[^/]+/[^/]+)/statuses/([^/]+)$"), r"\1/commits/\2/statuses"),
)


def contracts_dir() -> Path | None:
    """``$JIT_CONTRACTS_DIR`` or ``../shared/contracts`` next to the repository, if it exists."""
    env = os.environ.get("JIT_CONTRACTS_DIR")
    candidate = Path(env) if env else _REPO.parent / "shared" / "contracts"
    return candidate if candidate.is_dir() else None


def contracts_required() -> bool:
    return os.environ.get("JIT_REQUIRE_CONTRACTS") == "1"


def require_contracts(*files: str) -> Path:
    """The contracts directory holding ``files``; else skip (or fail in CI) saying why."""
    directory = contracts_dir()
    missing = [f for f in files if directory is None or not (directory / f).is_file()]
    if directory is None or missing:
        where = os.environ.get("JIT_CONTRACTS_DIR") or str(_REPO.parent / "shared" / "contracts")
        reason = (
            f"API contracts not found: {', '.join(missing) or 'the directory'} in {where}. "
            "Set JIT_CONTRACTS_DIR to a copy of shared/contracts to run contract tests."
        )
        if contracts_required():
            pytest.fail(f"JIT_REQUIRE_CONTRACTS=1 but {reason}")
        pytest.skip(reason)
    return directory


def _nullable_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema: ``anyOf: [schema, {type: null}]``."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: _nullable_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


@functools.cache
def github_spec() -> dict[str, Any]:
    """The GitHub REST OpenAPI document, converted for jsonschema (loaded once)."""
    path = require_contracts(GITHUB_SPEC) / GITHUB_SPEC
    spec: dict[str, Any] = _nullable_to_jsonschema(json.loads(path.read_text()))
    return spec


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(github_spec(), default_specification=DRAFT4)
    return Registry().with_resource(_SPEC_URI, resource)


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    """Every spec path as a regex, most specific (fewest parameters) first."""
    found = []
    for template in github_spec()["paths"]:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "".join(
            (".+" if p == "{path}" else "[^/]+") if p.startswith("{") else re.escape(p)
            for p in parts
        )
        found.append((re.compile(f"^{regex}$"), template))
    found.sort(key=lambda item: (item[1].count("{"), -len(item[1])))
    return found


def path_template(path: str, method: str | None = None) -> str:
    """The spec's template for a concrete request path (query string ignored) that has
    ``method``; paths GitHub also serves under another name go through ``PATH_ALIASES``."""
    path = urlsplit(path).path
    candidates = [path] + [pattern.sub(new, path) for pattern, new in PATH_ALIASES]
    for candidate in candidates:
        for regex, template in _templates():
            operations = github_spec()["paths"][template]
            if regex.match(candidate) and (method is None or method.lower() in operations):
                return template
    raise LookupError(f"no operation in {GITHUB_SPEC} matches {method or 'any method'} {path!r}")


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value))


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme)


def _validator(pointer: str) -> Callable[[Any], None]:
    schema = {"$ref": f"{_SPEC_URI}#/{pointer}"}
    validator = jsonschema.Draft4Validator(schema, registry=_registry(), format_checker=_FORMATS)

    def validate(body: Any) -> None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(body))
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(the body)"
            raise AssertionError(f"{pointer}: at {where}: {error.message}")

    return validate


@functools.cache
def github_response_validator(method: str, path: str, status: int) -> Callable[[Any], None]:
    """A function asserting that ``body`` matches the ``status`` response of ``method path``
    (a template such as ``/repos/{owner}/{repo}/pulls/{pull_number}``, or a concrete path)."""
    template = path if path in github_spec()["paths"] else path_template(path, method)
    operation = github_spec()["paths"][template].get(method.lower())
    if operation is None:
        raise LookupError(f"{GITHUB_SPEC} has no {method.upper()} {template}")
    response = operation["responses"].get(str(status))
    if response is None:
        raise LookupError(f"{method.upper()} {template} documents no {status} response")
    if "$ref" in response:
        response = github_spec()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    if "application/json" not in response.get("content", {}):
        raise LookupError(f"{method.upper()} {template} {status} has no JSON body")
    parts = ("paths", template, method.lower(), "responses", str(status))
    if "$ref" in operation["responses"][str(status)]:
        parts = (
            "components",
            "responses",
            operation["responses"][str(status)]["$ref"].rsplit("/", 1)[1],
        )
    return _validator(_pointer(*parts, "content", "application/json", "schema"))


@functools.cache
def github_webhook_validator(name: str) -> Callable[[Any], None]:
    """Validate a webhook payload against ``x-webhooks`` (e.g. ``pull-request-closed``)."""
    if name not in github_spec()["x-webhooks"]:
        raise LookupError(f"{GITHUB_SPEC} has no x-webhooks entry {name!r}")
    parts = ("x-webhooks", name, "post", "requestBody", "content", "application/json", "schema")
    return _validator(_pointer(*parts))


#: The examples the event builders start from, copied from ``webhook-examples.json`` (the
#: first example of each action of the five events jit handles; MIT, see the LICENSE file
#: beside it), so that the ``jit pr`` tests run in a clone without ``../shared``.
#: ``test_vendored_webhook_examples_are_the_contracts_own`` keeps the copy honest.
VENDORED_WEBHOOK_EXAMPLES = _REPO / "tests" / "fakes" / "data" / "webhook-examples.json"


@functools.cache
def webhook_examples() -> dict[str, list[dict[str, Any]]]:
    """The vendored webhook examples as event name -> example payloads."""
    entries = json.loads(VENDORED_WEBHOOK_EXAMPLES.read_text())
    return {entry["name"]: entry["examples"] for entry in entries}


def contract_webhook_examples() -> dict[str, list[dict[str, Any]]]:
    """``webhook-examples.json`` from the contracts (skips, or fails in CI, without it)."""
    path = require_contracts(WEBHOOK_EXAMPLES) / WEBHOOK_EXAMPLES
    return {entry["name"]: entry["examples"] for entry in json.loads(path.read_text())}
