"""Keycloak: the dev admin gets an access token for task-api that verifies with the realm's JWKS."""

import jwt
import requests

from taskwire_testkit import Stack


def test_taskadmin_token_is_for_task_api_and_verifies_with_the_realm_jwks(stack: Stack) -> None:
    realm = stack.realm
    response = requests.post(
        f"{realm}/protocol/openid-connect/token",
        data={
            "grant_type": "password",
            "client_id": "user-facade-login",
            "client_secret": stack.facade_secret,
            "username": "taskadmin",
            "password": "taskadmin-password",
            "scope": "openid",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]

    signing_key = jwt.PyJWKClient(
        f"{realm}/protocol/openid-connect/certs"
    ).get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["RS256"],
        audience="task-api",
        issuer=stack.issuer,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
    assert claims["typ"] == "Bearer"
    assert {"user", "admin"} <= set(claims["realm_access"]["roles"])
