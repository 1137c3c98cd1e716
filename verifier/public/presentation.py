"""How each outcome looks: one place maps a status to its words, colour and symbol.

The words alone must carry the verdict (colour-blind readers, screen readers); the
colour class and the symbol repeat it for a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Statuses that belong to a certificate found in the registry (its facts are shown).
CERTIFICATE_STATUSES = frozenset(
    {"valid", "suspended", "expired", "terminated", "revoked", "publicity"}
)
#: Statuses whose change into them carries a published reason.
WITH_REASON = frozenset({"suspended", "revoked", "terminated"})


@dataclass(frozen=True)
class Look:
    status: str
    tone: str  # CSS modifier: good, warn, aged, ended, bad, unknown, info
    symbol: str

    @property
    def css(self) -> str:
        return f"verdict-{self.tone}"

    @property
    def title_key(self) -> str:
        return f"verdict.{self.status}.title"

    @property
    def explain_key(self) -> str:
        return f"verdict.{self.status}.explain"


LOOKS: dict[str, Look] = {
    "valid": Look("valid", "good", "✓"),
    "suspended": Look("suspended", "warn", "!"),
    "expired": Look("expired", "aged", "!"),
    "terminated": Look("terminated", "ended", "–"),
    "revoked": Look("revoked", "bad", "✕"),
    "forged": Look("forged", "bad", "✕"),
    "malformed": Look("malformed", "bad", "✕"),
    "compromised_key": Look("compromised_key", "bad", "✕"),
    "unknown_certificate": Look("unknown_certificate", "unknown", "?"),
    "publicity": Look("publicity", "info", "i"),
}


def look(status: str) -> Look:
    """The look of a status; anything unexpected looks like a code that is not valid."""
    return LOOKS.get(status, LOOKS["malformed"])


#: Badge colours (SVG fill) per status, shields-like; text on them is white.
BADGE_COLOURS: dict[str, str] = {
    "valid": "#1e7b34",
    "suspended": "#b35900",
    "expired": "#7a6a4f",
    "terminated": "#5f6368",
    "revoked": "#b3261e",
    "publicity": "#1a5fb4",
    "unknown": "#6b6b76",
}
