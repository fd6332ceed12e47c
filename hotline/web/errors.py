"""Every error answers JSON `{"error": {"code", "message", "fields"}}`, in the caller's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.i18n import translations
from hotline.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Refused,
    ServiceError,
    Unavailable,
)
from hotline.web.templating import page_locale

# The one table of what a service's refusal answers in HTTP, for the API and the pages alike.
STATUS_OF: dict[type[ServiceError], int] = {
    NotFound: 404,
    Invalid: 422,
    Forbidden: 403,
    Conflict: 409,
    Refused: 502,
    Unavailable: 503,
}


def status_of(error: ServiceError) -> int:
    """The status of the first kind in the table the error is; 400 for any other refusal."""
    return next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 400)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = dict(fields or {})
        self.extra = dict(extra or {})


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    _ = translations(page_locale(request)).gettext
    said = {name: _(reason) for name, reason in (fields or {}).items()}
    body = {"code": code, "message": _(message), "fields": said, **(extra or {})}
    return JSONResponse({"error": body}, status_code=status, headers=dict(headers or {}))


def validation_fields(error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for problem in error.errors():
        location: Sequence[Any] = problem.get("loc", ())
        name = ".".join(str(part) for part in location) or "body"
        fields.setdefault(name, problem.get("msg", "invalid"))
    return fields


async def on_api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return error_response(
        request, exc.status, exc.code, exc.message, exc.fields, exc.extra, headers
    )


async def on_service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    extra = {"allowed": exc.allowed} if isinstance(exc, Conflict) else None
    return error_response(request, status_of(exc), exc.code, exc.message, exc.fields, extra)


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ValidationError)
    fields = validation_fields(exc)
    message = "invalid input: " + ", ".join(sorted(fields))
    return error_response(request, 422, "invalid", message, fields)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    messages = {404: "no such resource", 405: "method not allowed"}
    code = codes.get(exc.status_code, "error")
    # A 405 says which methods the path allows (Allow), as HTTP asks.
    return error_response(
        request,
        exc.status_code,
        code,
        messages.get(exc.status_code, str(exc.detail)),
        headers=exc.headers,
    )


EXCEPTION_HANDLERS = {
    ApiError: on_api_error,
    ServiceError: on_service_error,
    ValidationError: on_validation_error,
    HTTPException: on_http_error,
}
