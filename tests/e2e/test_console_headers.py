"""The console's pages as the gateway serves them: a Content-Security-Policy and the related
headers that permit only what the console needs, and nothing from another origin."""

import re

import pytest
import requests

from taskwire_testkit import Stack

PAGES = ["/", "/console/main.js", "/console/style.css", "/console/vendor/oidc-client-ts.js"]


def _directives(policy: str) -> dict[str, list[str]]:
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", PAGES)
def test_every_console_file_carries_the_policy_headers(stack: Stack, path: str) -> None:
    response = requests.get(stack.gateway + path, timeout=10)
    assert response.status_code == 200
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"][0] == "'self'"
    assert all(v.startswith("'sha256-") for v in policy["script-src"][1:])  # the import map
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", f"{stack.issuer}/"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_console_page_and_its_modules_have_browser_types(stack: Stack) -> None:
    page = requests.get(stack.gateway + "/", timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    for module in ["/console/main.js", "/console/vendor/eventsource-client.js"]:
        response = requests.get(stack.gateway + module, timeout=10)
        assert response.headers["Content-Type"].startswith("text/javascript")


def test_the_console_page_names_only_files_of_its_own_origin(stack: Stack) -> None:
    page = requests.get(stack.gateway + "/", timeout=10).text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'": "([^"]+)"', page)
    assert urls
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        assert requests.get(stack.gateway + url, timeout=10).status_code == 200, url


def test_the_apis_answers_carry_no_console_policy(stack: Stack) -> None:
    response = requests.get(f"{stack.gateway}/tasks", timeout=10)
    assert response.status_code == 401
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers


def test_the_console_is_told_where_to_sign_in(stack: Stack) -> None:
    config = requests.get(f"{stack.gateway}/console/config.json", timeout=10).json()
    assert config == {"authority": stack.issuer, "client_id": "taskwire-web"}
