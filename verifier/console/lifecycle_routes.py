"""Console routes for the certificate lifecycle, surveillance and yearly reports."""

from __future__ import annotations

from verifier.console import certificate_pages as certificates
from verifier.console import surveillance_pages, yearly_reports
from verifier.console.roles import Permission
from verifier.console.routing import Route

YEAR = r"{year:\d{4}(?:\.csv)?}"

#: (method, path under /console, handler, permission), mounted by ``routes.py``.
#: ``/certificates/new`` is a plain path, which the router prefers to ``/certificates/{number}``.
ROUTES: list[Route] = [
    ("GET", "/certificates/new", certificates.new_certificate_form,
     Permission.CERTIFICATES_MANAGE),
    ("POST", "/certificates/new", certificates.create_certificate,
     Permission.CERTIFICATES_MANAGE),
    ("POST", "/certificates/{number}/status", certificates.change_status,
     Permission.CERTIFICATES_MANAGE),
    ("POST", "/certificates/{number}/objections", certificates.lodge_objection,
     Permission.CERTIFICATES_MANAGE),
    ("POST", r"/certificates/{number}/objections/{objection:\d+}",
     certificates.decide_objection, Permission.CERTIFICATES_MANAGE),
    ("POST", "/certificates/{number}/surveillance", certificates.record_surveillance,
     Permission.SURVEILLANCE_RECORD),
    ("GET", "/surveillance", surveillance_pages.due_page, Permission.SURVEILLANCE_RECORD),
    ("GET", "/reports", yearly_reports.reports_page, Permission.REPORTS_VIEW),
    ("GET", "/reports/body/{body_code}/" + YEAR, yearly_reports.body_report,
     Permission.REPORTS_VIEW),
    ("GET", "/reports/alliance/" + YEAR, yearly_reports.alliance_report,
     Permission.REPORTS_VIEW),
]
