"""`hotline serve`'s HTTP server: uvicorn, with a shutdown that ends the live feeds first.

uvicorn's graceful shutdown waits for every response to finish, and a live feed (SSE) never
does: on SIGTERM with a browser connected the server hung, and since the app's own shutdown
never ran it kept the FastAGI port, so the next start failed with "address already in use".
Closing the event bus first ends every feed; their connections close, and the app's shutdown
(FastAGI, AMI, the scheduler, the database) runs at once. Any other request still running
after GRACE_SECONDS is cancelled.

One server serves both `hotline serve` and each of its workers, so they agree on the options:
X-Forwarded-For is believed only from HOTLINE_TRUSTED_PROXIES (uvicorn's default trusts
127.0.0.1, so anyone on the machine could claim any address and rotate past the login
throttle).

The access log keeps each query's names but not its values (`/api/customers?phone=…`): a
phone number or a name typed into a search must not land in the log. Slow clients get
HOTLINE_HEADER_TIMEOUT_SECONDS to send a request's headers (hotline/web/slow_clients.py)."""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qsl, quote

import uvicorn
from starlette.applications import Starlette

from hotline.settings import Settings
from hotline.web.slow_clients import header_timeout_protocol

GRACE_SECONDS = 2
HIDDEN = "…"


def without_query_values(path: str) -> str:
    """`/api/customers?phone=13800138000&page=2` → `/api/customers?phone=…&page=…`."""
    route, mark, query = path.partition("?")
    if not mark:
        return path
    names = [quote(name, safe="") for name, _ in parse_qsl(query, keep_blank_values=True)]
    return f"{route}?" + "&".join(f"{name}={HIDDEN}" for name in names) if names else route


class QueryValuesHidden(logging.Filter):
    """uvicorn's access record: (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], without_query_values(args[2]), *args[3:])
        return True


ACCESS_LOG_FILTER = QueryValuesHidden()


class HotlineServer(uvicorn.Server):
    def __init__(self, app: Starlette, settings: Settings) -> None:
        host, port = settings.http_bind
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_level="info",
                timeout_graceful_shutdown=GRACE_SECONDS,
                proxy_headers=bool(settings.trusted_proxies),
                forwarded_allow_ips=list(settings.trusted_proxies) or None,
                http=header_timeout_protocol(settings.header_timeout_seconds),
            )
        )
        # After the Config: it (re)configures uvicorn's loggers.
        logging.getLogger("uvicorn.access").addFilter(ACCESS_LOG_FILTER)
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        context = getattr(self._app.state, "context", None)
        if context is not None:
            context.bus.close()
        await super().shutdown(sockets)
