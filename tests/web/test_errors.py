"""What a service's refusal answers in HTTP (hotline/web/errors.py): one table, read by the
API's error handler and the pages' forms alike."""

from __future__ import annotations

import pytest

from hotline.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from hotline.services.routing_rules import RuleShadowed
from hotline.web.errors import status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("no ticket BX-1"), 404),
        (Invalid("bad", {"field": "bad"}), 422),
        (Forbidden("not yours"), 403),
        (Conflict("moved on", ["start"]), 409),
        (RuleShadowed(2, 1), 422),
        (ServiceError("some other refusal"), 400),
    ],
)
def test_each_kind_of_refusal_has_its_status(error: ServiceError, status: int) -> None:
    assert status_of(error) == status
