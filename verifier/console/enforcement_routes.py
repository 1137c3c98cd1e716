"""Console routes for the alert queue, infringement records and credit files."""

from __future__ import annotations

from verifier.console import alert_pages, credit_pages, infringements_pages
from verifier.console.roles import Permission
from verifier.console.routing import Route

_ALERT = r"/alerts/{alert_id:\d{1,12}}"
_RECORD = r"/infringements/{record_id:\d{1,12}}"
_ROLE = "{role:image|crop|page}"

#: (method, path under /console, handler, permission), mounted by ``routes.py``.
ROUTES: list[Route] = [
    ("GET", "/alerts", alert_pages.queue, Permission.ALERTS_VIEW),
    ("POST", "/alerts/bulk", alert_pages.bulk, Permission.ALERTS_REVIEW),
    ("GET", _ALERT, alert_pages.alert_page, Permission.ALERTS_VIEW),
    ("GET", f"{_ALERT}/evidence/{_ROLE}", alert_pages.evidence_file, Permission.ALERTS_VIEW),
    ("POST", f"{_ALERT}/confirm", alert_pages.confirm, Permission.ALERTS_REVIEW),
    ("POST", f"{_ALERT}/dismiss", alert_pages.dismiss, Permission.ALERTS_REVIEW),
    ("POST", f"{_ALERT}/assign", alert_pages.assign, Permission.ALERTS_REVIEW),
    ("GET", "/infringements", infringements_pages.records_page, Permission.INFRINGEMENTS_VIEW),
    ("GET", _RECORD, infringements_pages.record_page, Permission.INFRINGEMENTS_VIEW),
    ("GET", f"{_RECORD}/evidence/{_ROLE}", infringements_pages.evidence_file,
     Permission.INFRINGEMENTS_VIEW),
    ("GET", "/credit", credit_pages.credit_page, Permission.CREDIT_VIEW),
    ("POST", "/credit/sweep", credit_pages.sweep, Permission.CREDIT_REPAIR),
    ("GET", r"/credit/{subject_id:\d{1,12}}", credit_pages.file_page, Permission.CREDIT_VIEW),
    ("POST", r"/credit/{subject_id:\d{1,12}}/events/{event_id:\d{1,12}}/repair",
     credit_pages.repair, Permission.CREDIT_REPAIR),
]
