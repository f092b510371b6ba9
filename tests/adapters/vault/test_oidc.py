"""Fetching the GitHub Actions ID token."""

from __future__ import annotations

import jwt
import pytest
import requests
import responses

from jit.adapters.oidc import fetch_id_token, print_mask
from jit.errors import JitError, OperationalError
from tests.fakes.clock import FakeClock
from tests.fakes.oidc import TOKEN_URL, ActionsTokenEndpoint


def test_fetches_a_token_for_the_audience_and_masks_it(actions: ActionsTokenEndpoint) -> None:
    masked: list[str] = []

    token = fetch_id_token(actions.env, "https://vault.acme.example/x y", mask=masked.append)

    assert masked == [token]
    assert actions.calls == ["https://vault.acme.example/x y"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["aud"] == "https://vault.acme.example/x y"
    assert claims["repository"] == "acme/access"


def test_the_audience_is_url_encoded(
    vault_rsps: responses.RequestsMock, actions: ActionsTokenEndpoint
) -> None:
    fetch_id_token(actions.env, "a&b=c", mask=lambda _: None)
    sent = vault_rsps.calls[-1].request.url
    assert sent == f"{TOKEN_URL}&audience=a%26b%3Dc"


@pytest.mark.parametrize(
    "missing", ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
)
def test_missing_id_token_permission_is_explained(
    actions: ActionsTokenEndpoint, missing: str
) -> None:
    env = {k: v for k, v in actions.env.items() if k != missing}
    with pytest.raises(JitError) as err:
        fetch_id_token(env, "vault")
    assert f"{missing} is not set" in str(err.value)
    assert "`permissions: id-token: write`" in str(err.value)
    assert "VAULT_TOKEN" in str(err.value)


def test_a_wrong_request_token_is_refused(actions: ActionsTokenEndpoint) -> None:
    env = {**actions.env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "stale"}
    with pytest.raises(OperationalError) as err:
        fetch_id_token(env, "vault")
    assert "HTTP 401" in str(err.value)
    assert not err.value.retryable


def test_server_errors_are_retried(
    vault_rsps: responses.RequestsMock, fake_clock: FakeClock
) -> None:
    url = TOKEN_URL + "&audience=vault"
    vault_rsps.get(url, status=503)  # several matches: responses serves them in order
    vault_rsps.get(url, body=requests.ConnectionError("reset"))
    vault_rsps.get(url, json={"value": "a.b.c"})
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": TOKEN_URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}

    token = fetch_id_token(env, "vault", mask=lambda _: None, sleep=fake_clock.sleep)

    assert token == "a.b.c"
    assert fake_clock.slept == [0.5, 1.0]


def test_gives_up_after_bounded_retries(
    vault_rsps: responses.RequestsMock, fake_clock: FakeClock
) -> None:
    vault_rsps.get(TOKEN_URL + "&audience=vault", status=502)
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": TOKEN_URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
    with pytest.raises(OperationalError, match="failed 3 times \\(last: HTTP 502\\)"):
        fetch_id_token(env, "vault", sleep=fake_clock.sleep, retries=2)


@pytest.mark.parametrize("body", ['{"value": 5}', "not json", '{"count": 0}'])
def test_an_answer_without_a_token(vault_rsps: responses.RequestsMock, body: str) -> None:
    vault_rsps.get(TOKEN_URL + "&audience=vault", body=body)
    env = {"ACTIONS_ID_TOKEN_REQUEST_URL": TOKEN_URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
    with pytest.raises(OperationalError, match="without a token in `value`"):
        fetch_id_token(env, "vault")


def test_a_url_without_a_query_gets_one(vault_rsps: responses.RequestsMock) -> None:
    vault_rsps.get("https://tokens.fake/id?audience=vault", json={"value": "a.b.c"})
    env = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": "https://tokens.fake/id",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t",
    }
    assert fetch_id_token(env, "vault", mask=lambda _: None) == "a.b.c"


def test_print_mask_writes_the_workflow_command(capsys: pytest.CaptureFixture[str]) -> None:
    print_mask("s3cret")
    assert capsys.readouterr().out == "::add-mask::s3cret\n"
