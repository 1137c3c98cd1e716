"""The shape of a console route, shared by every module that registers some."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from verifier.console.roles import Permission

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: (method, path under /console, handler, permission); None only for signing in.
Route = tuple[str, str, Handler, Permission | None]
