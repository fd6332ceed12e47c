"""What a service can refuse, independent of HTTP; the web layer maps these to status codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    code = "error"

    def __init__(
        self, message: str, fields: Mapping[str, str] | None = None, *, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        # A refusal more precise than its kind, for clients that act on it (`telephony_off`).
        if code is not None:
            self.code = code


class NotFound(ServiceError):
    code = "not_found"


class Invalid(ServiceError):
    code = "invalid"


class TooLarge(Invalid):
    """What was sent is larger than it may be (a photo past its limit)."""

    code = "too_large"


class Forbidden(ServiceError):
    code = "forbidden"


class Conflict(ServiceError):
    code = "conflict"

    def __init__(
        self,
        message: str,
        allowed: Sequence[str] = (),
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, fields)
        self.allowed = list(allowed)


class Unavailable(ServiceError):
    """What is asked needs a system that is off or not answering now (the phone system)."""

    code = "unavailable"


class Refused(ServiceError):
    """Another system (the phone system) refused what was asked."""

    code = "refused"
