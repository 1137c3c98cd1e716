"""The transparency log pages' texts. Chinese first; merged into the console catalogue."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
