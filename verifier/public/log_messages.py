"""What the public pages say about the transparency log. Chinese first; merged into ``i18n.MESSAGES``."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
