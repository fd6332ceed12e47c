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
throttle)."""

from __future__ import annotations

import socket

import uvicorn
from starlette.applications import Starlette

from hotline.settings import Settings

GRACE_SECONDS = 2


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
            )
        )
        self._app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        context = getattr(self._app.state, "context", None)
        if context is not None:
            context.bus.close()
        await super().shutdown(sockets)
