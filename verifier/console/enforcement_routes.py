"""Console routes for the alert queue, infringement records and credit files."""

from __future__ import annotations

from verifier.console.routing import Route

#: (method, path under /console, handler, permission), mounted by ``routes.py``.
ROUTES: list[Route] = []
