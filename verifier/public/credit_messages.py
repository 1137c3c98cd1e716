"""What the public certificate page says of a holder's credit file. Chinese first; merged into ``i18n.MESSAGES``."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
