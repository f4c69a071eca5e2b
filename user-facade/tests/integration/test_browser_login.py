"""Browser login through Keycloak's own pages: authorization code + PKCE on `taskwire-web`, with
exactly the settings docs/identity.md gives for Postman's OAuth 2.0 helper."""

import base64
import hashlib
import html
import re
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from taskwire_testkit import Stack

from .clients import Accounts, Client

# Postman's two callbacks (the app's, and "Authorize using browser"); never visited by this test.
CALLBACK = "https://oauth.pstmn.io/v1/callback"
BROWSER_CALLBACK = "https://oauth.pstmn.io/v1/browser-callback"


def _authorize(
    stack: Stack, callback: str = CALLBACK, **params: str
) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    # At the public address, like a browser: Keycloak's forms and cookies name that host.
    page = browser.get(
        f"{stack.issuer}/protocol/openid-connect/auth",
        params={
            "client_id": "taskwire-web",
            "response_type": "code",
            "redirect_uri": callback,
            "scope": "openid",
            "state": "st-1",
            **params,
        },
        allow_redirects=False,  # an error goes back to the callback: never follow it out
        timeout=10,
    )
    return browser, page


@pytest.mark.parametrize("callback", [CALLBACK, BROWSER_CALLBACK])
def test_authorization_code_with_pkce_gives_a_token_the_apis_accept(
    stack: Stack, client: Client, accounts: Accounts, callback: str
) -> None:
    account = accounts.sign_up("browser")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    browser, page = _authorize(
        stack, callback, code_challenge=challenge.decode(), code_challenge_method="S256"
    )
    assert page.status_code == 200
    action = html.unescape(re.search(r'action="([^"]+)"', page.text)[1])  # type: ignore[index]
    signed_in = browser.post(
        action,
        data={"username": account.username, "password": account.password},
        # requests files cookies of a dotless host under "localhost.local": hand them over.
        cookies={cookie.name: str(cookie.value) for cookie in browser.cookies},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:500]
    redirect = urlparse(signed_in.headers["Location"])
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == callback
    query = parse_qs(redirect.query)
    assert query["state"] == ["st-1"]
    tokens = requests.post(
        f"{stack.issuer}/protocol/openid-connect/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "taskwire-web",
            "code": query["code"][0],
            "redirect_uri": callback,
            "code_verifier": verifier,
        },
        timeout=10,
    )
    assert tokens.status_code == 200, tokens.text
    access_token = tokens.json()["access_token"]
    assert client.get("/tasks", access_token).status_code == 200
    assert client.get("/auth/me", access_token).json()["username"] == account.username


def test_a_callback_that_is_not_registered_is_refused(stack: Stack) -> None:
    _, page = _authorize(
        stack,
        "https://attacker.example/callback",
        code_challenge="x" * 43,
        code_challenge_method="S256",
    )
    assert page.status_code == 400
    assert "Invalid parameter: redirect_uri" in page.text


def test_an_authorization_request_without_pkce_is_refused(stack: Stack) -> None:
    _, page = _authorize(stack)
    assert page.status_code == 302
    assert parse_qs(urlparse(page.headers["Location"]).query)["error"] == ["invalid_request"]
