"""The alert queue's, infringement records' and credit files' texts. Chinese first; merged into the console catalogue."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
