"""Every error answers JSON `{"error": {"code", "message", "fields"}}`, in the caller's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hotline.i18n import N_, translations
from hotline.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Refused,
    ServiceError,
    TooLarge,
    Unavailable,
)
from hotline.web.templating import page_locale

# The one table of what a service's refusal answers in HTTP, for the API and the pages alike.
STATUS_OF: dict[type[ServiceError], int] = {
    NotFound: 404,
    # Before Invalid, which it is too.
    TooLarge: 413,
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


# Pydantic's reasons, by kind, in words our catalogues translate (its own are English only).
VALIDATION_REASONS = {
    "missing": N_("required"),
    "string_too_short": N_("required"),
    "string_too_long": N_("too long"),
    "too_short": N_("required"),
    "too_long": N_("too many"),
    "enum": N_("not one of the choices"),
    "literal_error": N_("not one of the choices"),
    "extra_forbidden": N_("not a field of this form"),
    "int_parsing": N_("a whole number"),
    "int_type": N_("a whole number"),
    "float_parsing": N_("a number"),
    "bool_parsing": N_("yes or no"),
    "bool_type": N_("yes or no"),
    "datetime_parsing": N_("a date and time"),
    "datetime_from_date_parsing": N_("a date and time"),
    "timezone_aware": N_("a date and time with its offset"),
    "date_parsing": N_("a date"),
    "date_from_datetime_parsing": N_("a date"),
    "string_type": N_("text"),
    "string_pattern_mismatch": N_("not in the expected form"),
    "greater_than_equal": N_("too small"),
    "less_than_equal": N_("too large"),
    "greater_than": N_("too small"),
    "less_than": N_("too large"),
}


def validation_fields(error: ValidationError) -> dict[str, str]:
    """Every field at fault at once, each with its reason (translated when answered)."""
    fields: dict[str, str] = {}
    for problem in error.errors():
        location: Sequence[Any] = problem.get("loc", ())
        name = ".".join(str(part) for part in location) or "body"
        reason = VALIDATION_REASONS.get(problem.get("type", ""), problem.get("msg", "invalid"))
        fields.setdefault(name, reason)
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
    return error_response(
        request, 422, "invalid", N_("not saved: correct the fields marked"), fields
    )


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
