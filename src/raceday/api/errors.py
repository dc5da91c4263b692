"""Every error is JSON `{"error": "..."}` (the client shows `error`): never HTML, never a stack
trace. Bad input is a 400 that names the parameter; an unknown id a 404; anything unexpected a
500 whose body says only that, while the log keeps the traceback."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from raceday.logs import get_logger

__all__ = ["BadRequest", "NotFound", "install_error_handlers"]

_log = get_logger("raceday.api")


class NotFound(Exception):
    """An id that names nothing: 404 with `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(Exception):
    """Input FastAPI's validation cannot judge (a cursor, a combination): 400 with `message`."""

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


def _where(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location if p not in ("query", "path", "body")]
    return ".".join(parts) or "request"


def _problem(error: dict[str, Any]) -> tuple[str, str]:
    """(where, what) of one validation error; a body that is not JSON says so, and where."""
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":  # loc is ("body", character position)
        at = location[1] if len(location) > 1 else "?"
        reason = error.get("ctx", {}).get("error", "")
        return "body", f"not valid JSON (at character {at}): {reason}"
    return _where(location), str(error.get("msg", "invalid"))


def validation_message(errors: list[dict[str, Any]]) -> str:
    """'race_id: Input should be a valid UUID …; limit: …': each problem, where it is."""
    return "; ".join("{}: {}".format(*_problem(e)) for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [dict(zip(("where", "problem"), _problem(e), strict=True)) for e in exc.errors()]
        return JSONResponse(
            {"error": validation_message(list(exc.errors())), "details": errors}, status_code=400
        )

    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"not found: {_request.url.path}"
        return JSONResponse(
            {"error": message}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return JSONResponse({"error": exc.message}, status_code=404)

    async def bad_request(_request: Request, exc: BadRequest) -> JSONResponse:
        body: dict[str, Any] = {"error": exc.message}
        if exc.details:
            body["details"] = exc.details
        return JSONResponse(body, status_code=400)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.exception("api_error", path=request.url.path, error=repr(exc))
        return JSONResponse({"error": "internal error"}, status_code=500)

    app.add_exception_handler(RequestValidationError, invalid)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(NotFound, not_found)  # type: ignore[arg-type]
    app.add_exception_handler(BadRequest, bad_request)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)
