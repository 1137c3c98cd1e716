"""The staff console: sign-in, roles, CSRF defence and the audit trail, under /console."""

from verifier.console.routes import setup_console

__all__ = ["setup_console"]
