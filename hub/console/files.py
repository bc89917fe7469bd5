"""The console's files, served as they are (no build step), with headers that confine them."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

CONSOLE_PATH = "/console"
STATIC_DIR = Path(__file__).parent / "static"

# The page holds a bearer token (sessionStorage): only its own scripts may run, it talks to
# this hub alone, and media arrive as blob: URLs made from authenticated fetches.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class ConsoleFiles(StaticFiles):
    """StaticFiles over the console's directory, each answer with the security headers."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        super().__init__(directory=directory, html=True)

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The file (or index.html for the directory), with the headers added."""
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response
