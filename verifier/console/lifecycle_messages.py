"""The certificate lifecycle's, surveillance's and yearly reports' texts. Chinese first; merged into the console catalogue."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
