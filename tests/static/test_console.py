"""The web console's files agree with what serves them: the CSP's hash is the inline import
map's, the import map names exactly the vendored files, compose serves the same files as
gateway.sh, and the realm lets the client sign in and out at exactly the console."""

import base64
import hashlib
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "gateway/console"
INDEX = (CONSOLE / "public/index.html").read_text()
TEMPLATE = (ROOT / "gateway/templates/taskwire.conf.template").read_text()


def _import_map() -> str:
    match = re.search(r'<script type="importmap">(.*?)</script>', INDEX, re.S)
    assert match
    return match.group(1)


def _vendored() -> dict[str, str]:
    lines = (CONSOLE / "vendor.txt").read_text().splitlines()
    return dict(reversed(line.split()) for line in lines if line and not line.startswith("#"))


def test_the_policy_allows_the_inline_import_map_by_its_hash_and_no_other_inline_script() -> None:
    digest = base64.b64encode(hashlib.sha256(_import_map().encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}';" in TEMPLATE, f"expected sha256-{digest}"
    assert len(re.findall(r"<script(?![^>]*\bsrc=)", INDEX)) == 1
    assert "style=" not in INDEX
    assert "<style" not in INDEX


def test_the_import_map_names_exactly_the_vendored_files_and_the_lock_pins_each_package() -> None:
    targets = json.loads(_import_map())["imports"].values()
    assert sorted(targets) == sorted(f"/console/vendor/{name}" for name in _vendored())
    lock = json.loads((CONSOLE / "package-lock.json").read_text())["packages"]
    declared = json.loads((CONSOLE / "package.json").read_text())["dependencies"]
    for source in _vendored().values():
        package = source.split("/")[0]
        assert lock[f"node_modules/{package}"]["version"] == declared[package]


def test_every_module_the_console_loads_is_served_from_its_own_folder() -> None:
    for module in (CONSOLE / "public").glob("*.js"):
        for name in re.findall(r'from "([^"]+)"', module.read_text()):
            assert name.startswith("./") or name in json.loads(_import_map())["imports"], name
            if name.startswith("./"):
                assert (CONSOLE / "public" / name).exists(), name


def test_compose_serves_the_same_console_as_gateway_sh_checks() -> None:
    gateway = yaml.safe_load((ROOT / "compose.yml").read_text())["services"]["gateway"]
    env = gateway["environment"]
    check = (ROOT / "scripts/stack/gateway.sh").read_text()
    checked = dict(re.findall(r"(CONSOLE_\w+|KEYCLOAK_ISSUER)=(\S+)", check.split("cmd_check")[1]))
    assert checked["CONSOLE_ROOT"] == env["CONSOLE_ROOT"]
    assert checked["CONSOLE_VENDOR"] == env["CONSOLE_VENDOR"]
    assert (
        env["KEYCLOAK_ISSUER"].replace("${KEYCLOAK_PORT:-8180}", "8180")
        == (checked["KEYCLOAK_ISSUER"])
    )
    assert f"./gateway/console/public:{env['CONSOLE_ROOT']}:ro" in gateway["volumes"]
    dockerfile = (ROOT / "gateway/Dockerfile").read_text()
    assert f"COPY --from=console-vendor /console/vendor {env['CONSOLE_VENDOR']}" in dockerfile


def test_the_web_client_signs_in_and_out_only_at_the_console_and_postmans_callbacks() -> None:
    realm = json.loads((ROOT / "keycloak/realm-taskwire.json").read_text())
    (client,) = [c for c in realm["clients"] if c["clientId"] == "taskwire-web"]
    console = ["http://localhost:8080/", "http://127.0.0.1:8080/"]
    postman = ["https://oauth.pstmn.io/v1/callback", "https://oauth.pstmn.io/v1/browser-callback"]
    assert sorted(client["redirectUris"]) == sorted(console + postman)
    assert client["attributes"]["post.logout.redirect.uris"].split("##") == console
    assert sorted(client["webOrigins"]) == sorted(url.rstrip("/") for url in console)
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
