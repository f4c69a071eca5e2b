"""Each API's OpenAPI document and Swagger UI, the UI's assets served by the API itself (under
its own path prefix, so through the gateway too): the docs page needs no CDN."""

from typing import Any

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path


def openapi_config(
    title: str, description: str, prefix: str, secured: bool = True
) -> dict[str, Any]:
    """flask-smorest's settings: the spec at `{prefix}/openapi.json`, the UI at `{prefix}/docs`;
    `secured`: every operation takes a bearer token unless it says otherwise."""
    options: dict[str, Any] = {
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        },
        "info": {"description": description},
    }
    if secured:
        options["security"] = [{"bearer": []}]
    return {
        "API_TITLE": title,
        "API_VERSION": "1.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": prefix or "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": _assets_url(prefix),
        "API_SPEC_OPTIONS": options,
    }


def swagger_ui_assets(prefix: str) -> Blueprint:
    """The blueprint serving Swagger UI's files where `openapi_config(prefix=...)` points."""
    blp = Blueprint("docs_assets", __name__)

    @blp.get(f"{_assets_url(prefix)}<path:filename>")
    def asset(filename: str) -> Response:
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    return blp


def _assets_url(prefix: str) -> str:
    return f"{prefix}/docs/assets/"
