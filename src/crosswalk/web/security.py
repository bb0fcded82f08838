"""Response hardening and request limits, applied to every response by the app."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crosswalk.web.settings import WebSettings

# Everything is served from this origin: no CDN, no inline scripts. Inline styles are
# allowed for the SVG charts' attributes.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
FORM_OVERHEAD = 1024 * 1024  # multipart boundaries and fields around an upload


class BodyTooLarge(Exception):
    pass


class Hardening:
    """Pure ASGI middleware: security headers on every response, and a cap on request
    bodies counted as they stream in (a lying or missing Content-Length cannot pass it)."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.limit = settings.max_upload_bytes + FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        # ASCII digits only (isdigit takes "¹"); anything else is no length, and the body
        # is still counted below as it streams in.
        if declared and declared.isascii() and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        received = 0
        started = False
        static = str(scope.get("path", "")).startswith("/static/")

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def hardened_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                existing = {k.lower() for k, _ in message.get("headers", [])}
                if static:  # stylesheet, script and icon may be cached; pages and data not
                    existing.add(b"cache-control")
                extra = [(k, v) for k, v in HEADERS if k not in existing]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self.app(scope, counted_receive, hardened_send)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        megabytes = (self.limit - FORM_OVERHEAD) // (1024 * 1024)
        response = JSONResponse(
            {"detail": f"the upload is larger than the {megabytes} MB limit"}, status_code=413
        )
        await response(scope, receive, send)


def secure_cookie(request: Request, settings: WebSettings) -> bool:
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, settings: WebSettings, name: str, value: str, **extra: Any
) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=secure_cookie(request, settings),
        path="/",
        **extra,
    )
