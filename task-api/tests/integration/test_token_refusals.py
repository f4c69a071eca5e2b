"""Tokens task-api must refuse, made from real Keycloak tokens and the realm's real keys."""

import base64
import json

import jwt
import pytest
import requests

from taskwire_testkit import Stack, master_admin_grant

from .conftest import Caller, assert_problem


def _segments(token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = token.split(".")
    return _json(header), _json(payload)


def _json(segment: str) -> dict[str, object]:
    decoded: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


def _refused(caller: Caller, token: str) -> None:
    response = caller.request("GET", "/tasks", headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_of_another_client_without_the_task_api_audience_is_refused(
    stack: Stack, alice: Caller
) -> None:
    response = requests.post(
        f"{stack.realm}/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "user-facade",
            "client_secret": stack.facade_secret,
        },
        timeout=10,
    )
    token = response.json()["access_token"]
    assert "task-api" not in str(_segments(token)[1].get("aud"))
    _refused(alice, token)


def test_a_token_of_another_realm_is_refused(stack: Stack, alice: Caller) -> None:
    response = master_admin_grant(stack)
    assert response.status_code == 200, response.text
    _refused(alice, response.json()["access_token"])


def test_the_real_claims_unsigned_with_alg_none_are_refused(alice: Caller) -> None:
    header, claims = _segments(alice.session.headers["Authorization"].removeprefix("Bearer "))
    forged = jwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]})
    _refused(alice, forged)


def test_the_real_claims_signed_hs256_with_the_realms_public_key_are_refused(
    stack: Stack, alice: Caller
) -> None:
    header, claims = _segments(alice.session.headers["Authorization"].removeprefix("Bearer "))
    jwks = requests.get(f"{stack.realm}/protocol/openid-connect/certs", timeout=10).json()
    public_key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])["n"]
    forged = jwt.api_jws.PyJWS().encode(
        json.dumps(claims).encode(),
        public_key.encode(),
        algorithm="HS256",
        headers={"kid": header["kid"]},
    )
    _refused(alice, forged)


@pytest.mark.parametrize("claim", ["exp", "aud", "iss", "sub"])
def test_the_real_token_with_a_claim_changed_is_refused(alice: Caller, claim: str) -> None:
    token = alice.session.headers["Authorization"].removeprefix("Bearer ")
    header, _payload, signature = token.split(".")
    claims = _segments(token)[1]
    claims[claim] = 1 if claim == "exp" else "someone-else"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    _refused(alice, f"{header}.{changed}.{signature}")
