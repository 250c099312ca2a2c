"""OpenAPI details shared by every route: the problem+json error responses and their
examples, so clients (and schemathesis) know every status a route can answer."""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

from aibridge.api.schemas import Problem

__all__ = ["PROBLEM_RESPONSES", "install_openapi", "problem"]


def problem(status: int, description: str, detail: str) -> dict[str, Any]:
    """One documented problem+json response with an example."""
    return {
        "description": description,
        "model": Problem,
        "content": {
            "application/problem+json": {
                "example": {
                    "type": "about:blank",
                    "title": description,
                    "status": status,
                    "detail": detail,
                    "instance": "/v1/...",
                    "request_id": "5f0c8e0a9d6b4c1e8f7a2b3c4d5e6f70",
                }
            }
        },
    }


#: Statuses any route may answer (validation, rate limit, body size, server).
PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    400: problem(400, "Bad Request", "invalid Content-Length header"),
    413: problem(413, "Content Too Large", "the request body may be at most 1000000 bytes"),
    422: problem(422, "Unprocessable Content", "query limit: Input should be less than 50000"),
    429: problem(429, "Too Many Requests", "rate limit of 600 requests per minute exceeded"),
}

NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: problem(404, "Not Found", "unknown economy code(s) XYZ in the store")
}
NOT_MODIFIED: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not Modified: the `If-None-Match` ETag is still current."}
}
AUTH: Final[dict[int | str, dict[str, Any]]] = {
    401: problem(401, "Unauthorized", "this route needs an API token"),
    403: problem(403, "Forbidden", "reader (viewer) may not create needs"),
}
CONFLICT: Final[dict[int | str, dict[str, Any]]] = {
    409: problem(409, "Conflict", "need 3 is at version 2 but the edit was based on version 1"),
}


def install_openapi(app: FastAPI) -> None:
    """Make the problem schema's media type ``application/problem+json`` everywhere (FastAPI
    would also list ``application/json`` for models given in ``responses``)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        for item in schema.get("paths", {}).values():
            for op in item.values():
                if not isinstance(op, dict):
                    continue
                for code, resp in op.get("responses", {}).items():
                    content = resp.get("content", {})
                    if code[:1] in "45" and "application/problem+json" in content:
                        content.pop("application/json", None)
                        content["application/problem+json"].setdefault(
                            "schema", {"$ref": "#/components/schemas/Problem"}
                        )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
