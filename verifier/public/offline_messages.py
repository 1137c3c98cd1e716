"""The offline verification page's texts. Chinese first; merged into ``i18n.MESSAGES``."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
