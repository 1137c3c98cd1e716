"""Console routes for the certificate lifecycle, surveillance and yearly reports."""

from __future__ import annotations

from verifier.console.routing import Route

#: (method, path under /console, handler, permission), mounted by ``routes.py``.
ROUTES: list[Route] = []
