"""Only the facade's confidential client may trade a password for tokens at Keycloak: the realm's
public clients (`taskwire-web`, its `admin-cli`) refuse direct grants, so nobody can log in past
the facade's per-address login limit (the real Keycloak, realm as imported from the repository)."""

import pytest
import requests

from taskwire_testkit import Stack, master_admin_grant

ADMIN = {"username": "taskadmin", "password": "taskadmin-password"}


def _password_grant(stack: Stack, **client: str) -> requests.Response:
    return requests.post(
        f"{stack.realm}/protocol/openid-connect/token",
        data={"grant_type": "password", **client, **ADMIN},
        timeout=10,
    )


@pytest.mark.parametrize("client_id", ["taskwire-web", "admin-cli"])
def test_a_public_client_refuses_the_password_grant(stack: Stack, client_id: str) -> None:
    response = _password_grant(stack, client_id=client_id)
    assert response.status_code in (400, 401), response.text
    assert response.json()["error"] == "unauthorized_client"
    assert "access_token" not in response.json()


def test_the_facades_login_client_refuses_a_caller_without_its_secret(stack: Stack) -> None:
    for secret in ({}, {"client_secret": "wrong-secret"}):
        response = _password_grant(stack, client_id="user-facade-login", **secret)
        assert response.status_code == 401, response.text
        assert "access_token" not in response.json()


def test_the_facades_login_client_with_its_secret_gets_tokens_for_task_api(stack: Stack) -> None:
    response = _password_grant(
        stack, client_id="user-facade-login", client_secret=stack.facade_secret
    )
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    tasks = requests.get(
        f"{stack.gateway}/tasks", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert tasks.status_code == 200


def test_the_master_realms_admin_cli_still_serves_the_dev_admin(stack: Stack) -> None:
    response = master_admin_grant(stack)
    assert response.status_code == 200, response.text
