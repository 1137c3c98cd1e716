"""Console routes for the transparency log: signing a tree head on request."""

from __future__ import annotations

from verifier.console.routing import Route

#: (method, path under /console, handler, permission), mounted by ``routes.py``.
ROUTES: list[Route] = []
