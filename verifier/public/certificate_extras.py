"""What the public certificate page shows beyond the registry's own facts.

Each loader takes the engine and the certificate number and returns template values;
it runs in the executor with the page's other lookups. The credit summary is what the
scheme publishes of the holder's credit file; the log entries prove the history.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


def credit_summary(engine: Engine, number: str) -> dict[str, Any]:
    """``{"credit": ...}`` for ``_credit.html``; empty when nothing is published."""
    return {}


def log_entries(engine: Engine, number: str) -> dict[str, Any]:
    """``{"log_entries": ...}`` for ``_log_entries.html``; empty before the log exists."""
    return {}
