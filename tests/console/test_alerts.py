"""The alert queue: scope, filters, the evidence and how it is served, and the review
actions with their refusals, audit rows and what confirming creates.

A real verifier with its console (SQLite and PostgreSQL), real evidence files written by
the crawler's own evidence store, and alerts shaped as the crawler, the scan rules and the
report form store them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy import func, select

from crawler.evidence import EvidenceStore
from storage.base import utcnow
from storage.enums import AlertStatus
from storage.models import (
    Alert,
    AuditEntry,
    Certificate,
    CertificationBody,
    CreditEvent,
    ImageAnalysis,
    InfringementRecord,
    ListingCapture,
    Subject,
)
from storage.session import Database
from tests.console.conftest import Console, csrf_token
from verifier.reports import ReportForm, store_report

ROWS = re.compile(r'<tr data-alert="(\d+)"')
HOSTILE_HTML = (b"<html><head><script>document.title='pwned'</script></head><body>"
                b"<img src=x onerror=alert(1)><h1>\xe5\x95\x86\xe5\x93\x81</h1></body></html>")


@dataclass
class World:
    holder: Subject
    holder_number: str  # a certificate of the holder's subject
    officer_number: str  # of the officer's body, not the holder's
    other_number: str  # of another body, not the holder's


@pytest.fixture(scope="module")
def world(console: Console) -> World:
    database = Database.open(console.database_url)
    try:
        with database.transaction() as session:
            holder = session.scalars(select(Subject).where(
                Subject.uscc == console.holder_uscc)).one()
            holder_number = session.scalars(select(Certificate.number).where(
                Certificate.subject_id == holder.id).order_by(Certificate.number)).first()

            def of_body(code: str) -> str:
                number = session.scalars(
                    select(Certificate.number).join(CertificationBody)
                    .where(CertificationBody.code == code, Certificate.subject_id != holder.id)
                    .order_by(Certificate.number)).first()
                assert number is not None
                return number

            assert holder_number is not None
            session.expunge(holder)
            return World(holder, holder_number, of_body(console.officer_body),
                         of_body(console.other_body))
    finally:
        database.close()


def _png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 255, (120, 200, 3), dtype=np.uint8)
    cv2.rectangle(pixels, (60, 30), (120, 90), (0, 0, 255), -1)
    ok, png = cv2.imencode(".png", pixels)
    assert ok
    return png.tobytes()


def crawler_alert(console: Console, *, kind: str = "use_while_suspended",
                  number: str | None = None, seller_name: str = "某某贸易商行",
                  seller_code: str | None = None, subject: Subject | None = None,
                  match: str = "none", html: bytes = HOSTILE_HTML,
                  created_at: dt.datetime | None = None) -> int:
    """A crawler alert as ``crawler.processing`` stores it, with real evidence files."""
    store = EvidenceStore(console.data_dir / "evidence")
    seed = uuid.uuid4().int % 10_000
    image_bytes = _png(seed)
    rgb = cv2.cvtColor(cv2.imdecode(np.frombuffer(image_bytes, np.uint8), cv2.IMREAD_COLOR),
                       cv2.COLOR_BGR2RGB)
    quad = [[60.0, 30.0], [120.0, 30.0], [120.0, 90.0], [60.0, 90.0]]
    page, image = store.put_page(html), store.put_image(image_bytes)
    crop = store.put_crop(rgb, quad)
    url = f"http://market.test/item/{uuid.uuid4().hex[:10]}"
    captured = (created_at or utcnow()) - dt.timedelta(minutes=1)
    details = {
        "listing_url": url, "site": "sample-market", "captured_at": captured.isoformat(),
        "html_sha256": page.sha256, "html_path": page.path, "image_url": url + "/1.png",
        "image_sha256": image.sha256, "image_path": image.path, "image_phash": "0" * 16,
        "crop_path": crop.path,
        "find": {"type": "emblem", "mark": "shangpin", "score": 0.91, "quad": quad},
        "seller_name": seller_name, "seller_credit_code": seller_code,
        "seller_url": url + "/shop", "seller_match": match,
        "matched_credit_code": subject.uscc if subject else None,
        "matched_subject_name": subject.name if subject else None,
        "product_title": "测试商品", "product_category": "食品", "qr_verification": None,
        "certificate_status": "suspended" if number else None,
    }
    database = Database.open(console.database_url)
    try:
        with database.transaction() as session:
            session.add(ListingCapture(
                url=url, site="sample-market", captured_at=captured, html_sha256=page.sha256,
                title="测试商品", seller_name=seller_name, seller_credit_code=seller_code,
                seller_match=match, subject_id=subject.id if subject else None))
            session.add(ImageAnalysis(
                sha256=image.sha256, phash="0" * 16, signature=b"\0", width=200, height=120,
                detector_version="test", result={}, analysed_at=utcnow()))
            alert = Alert(kind=kind, source="crawler",
                          dedupe_key=f"crawler:{kind}:{uuid.uuid4().hex}",
                          certificate_number=number, summary=f"{seller_name} shows a mark [{kind}]",
                          details=details, created_at=created_at or utcnow())
            session.add(alert)
            session.flush()
            return alert.id
    finally:
        database.close()


def plain_alert(console: Console, *, kind: str = "scan_of_suspended", source: str = "scan",
                number: str | None = None, details: dict[str, Any] | None = None,
                created_at: dt.datetime | None = None) -> int:
    database = Database.open(console.database_url)
    try:
        with database.transaction() as session:
            alert = Alert(kind=kind, source=source, dedupe_key=f"{kind}:{uuid.uuid4().hex}",
                          certificate_number=number, summary=f"{kind} for {number}",
                          details=details or {"scans": 3, "networks": 2, "day": "2026-01-02"},
                          created_at=created_at or utcnow())
            session.add(alert)
            session.flush()
            return alert.id
    finally:
        database.close()


def alert_state(console: Console, alert_id: int) -> tuple[str, str | None, str | None]:
    with console.engine.connect() as connection:
        status, reviewer, assignee = connection.execute(select(
            Alert.status, Alert.reviewed_by, Alert.assigned_to).where(Alert.id == alert_id)).one()
    return str(status), reviewer, assignee


def count(console: Console, model: Any, *where: Any) -> int:
    with console.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model).where(*where)) or 0


def listed(client: httpx.Client, query: str = "") -> list[int]:
    page = client.get("/console/alerts" + query)
    assert page.status_code == 200, page.text
    return [int(i) for i in ROWS.findall(page.text)]


_CLIENTS: dict[tuple[str, str], httpx.Client] = {}


def user(console: Console, username: str) -> httpx.Client:
    """One signed-in client per account and server: sign-ins are rate-limited per account."""
    key = (console.url, username)
    if key not in _CLIENTS:
        _CLIENTS[key] = console.sign_in(username)
    return _CLIENTS[key]


@pytest.fixture(scope="module", autouse=True)
def _close_clients() -> Any:
    yield
    for client in _CLIENTS.values():
        client.close()
    _CLIENTS.clear()


def post(client: httpx.Client, path: str, data: dict[str, Any], *,
         token_from: str = "/console/alerts") -> httpx.Response:
    token = csrf_token(client.get(token_from).text)
    return client.post(path, data={"csrf_token": token, **data})


# ---------------------------------------------------------------- the queue and its scope


def test_each_role_sees_the_alerts_in_its_scope(console: Console, world: World) -> None:
    own = crawler_alert(console, number=world.holder_number, subject=world.holder,
                        match="credit_code", seller_code=world.holder.uscc)
    officer = plain_alert(console, number=world.officer_number)
    other = plain_alert(console, number=world.other_number)
    orphan = crawler_alert(console, kind="uncertified_use")  # no certificate behind it
    mine = {own, officer, other, orphan}
    client = user(console, "reviewer")
    assert mine <= set(listed(client, "?sort=newest"))
    client = user(console, "officer")
    seen = set(listed(client))
    assert officer in seen and not {other, orphan} & seen
    assert client.get(f"/console/alerts/{other}").status_code == 404
    assert client.get(f"/console/alerts/{orphan}/evidence/image").status_code == 404
    client = user(console, "holder")
    seen = set(listed(client))
    assert own in seen and not {officer, other, orphan} & seen
    assert client.get(f"/console/alerts/{own}").status_code == 200
    assert client.get(f"/console/alerts/{officer}").status_code == 404
    assert client.get(f"/console/alerts/{orphan}").status_code == 404
    # Holders and officers do not get review buttons.
    assert 'id="confirm-form"' not in client.get(f"/console/alerts/{own}").text


def test_filters_sort_and_pages(console: Console, world: World) -> None:
    kind = f"filter_{uuid.uuid4().hex[:8]}"
    now = utcnow()
    old = plain_alert(console, kind=kind, number=world.officer_number,
                      created_at=now - dt.timedelta(days=10))
    new = plain_alert(console, kind=kind, number=world.officer_number)
    code = "91310000MA1FL0TEST"
    seller = crawler_alert(console, kind=kind, seller_name="滤镜测试商行（上海）",
                           seller_code=code[:6] + " " + code[6:])
    client = user(console, "reviewer")
    assert listed(client, f"?kind={kind}") == [seller, new, old]  # newest first
    assert listed(client, f"?kind={kind}&sort=oldest") == [old, new, seller]
    assert listed(client, f"?kind={kind}&source=crawler") == [seller]
    assert listed(client, f"?kind={kind}&source=scan") == [new, old]
    assert listed(client, "?seller=滤镜测试") == [seller]
    assert listed(client, f"?seller={code}") == [seller]  # spaces as shown are ignored
    assert listed(client, "?seller=no-such-seller-anywhere") == []
    today = (now + dt.timedelta(hours=8)).date()
    assert listed(client, f"?kind={kind}&until={today - dt.timedelta(days=5)}") == [old]
    assert listed(client, f"?kind={kind}&since={today - dt.timedelta(days=5)}") == [
        seller, new]
    assert set(listed(client, f"?kind={kind}&status=open")) == {old, new, seller}
    assert listed(client, f"?kind={kind}&status=dismissed") == []
    assert listed(client, f"?kind={kind}&mine=1") == []
    assert post(client, f"/console/alerts/{new}/assign", {"to_me": "1"}).status_code == 303
    assert listed(client, f"?kind={kind}&mine=1") == [new]
    # Bad values are ignored, not errors.
    assert len(listed(client, f"?kind={kind}&since=yesterday&sort=sideways&status=x")) == 3
    assert listed(client, "?kind=" + kind + "&sort=kind") == [seller, new, old]
    # Paging: 50 a page.
    many = f"page_{uuid.uuid4().hex[:8]}"
    database = Database.open(console.database_url)
    try:
        with database.transaction() as session:
            session.add_all(Alert(kind=many, source="scan", dedupe_key=f"{many}:{i}",
                                  certificate_number=world.officer_number, summary="x",
                                  details={}) for i in range(53))
    finally:
        database.close()
    client = user(console, "reviewer")
    first = client.get(f"/console/alerts?kind={many}")
    assert "共 53 条" in first.text and len(ROWS.findall(first.text)) == 50
    assert f"kind={many}&amp;page=2" in first.text
    assert len(listed(client, f"?kind={many}&page=2")) == 3


# ---------------------------------------------------------------- evidence


def test_the_alert_page_shows_the_evidence(console: Console, world: World) -> None:
    alert_id = crawler_alert(console, number=world.holder_number, subject=world.holder,
                             match="credit_code", seller_name="证据测试商行",
                             seller_code=world.holder.uscc)
    with console.engine.connect() as connection:
        details = connection.scalar(select(Alert.details).where(Alert.id == alert_id))
    client = user(console, "reviewer")
    page = client.get(f"/console/alerts/{alert_id}")
    assert page.status_code == 200
    html = page.text
    for shown in (details["listing_url"], details["html_sha256"], details["image_sha256"],
                  "证据测试商行", world.holder.name, world.holder.uscc,
                  f'href="/console/certificates/{world.holder_number}"',
                  f'href="/certificates/{world.holder_number}"',
                  f'src="/console/alerts/{alert_id}/evidence/image"',
                  f'src="/console/alerts/{alert_id}/evidence/crop"',
                  'points="60.0,30.0 120.0,30.0 120.0,90.0 60.0,90.0"',
                  'viewBox="0 0 200 120"', 'data-match="credit_code"'):
        assert shown in html, shown
    assert 'data-state="tampered"' not in html
    english = client.get(f"/console/alerts/{alert_id}?lang=en").text
    assert "Listing image (detected box drawn)" in english
    assert not re.search(r">[^<]*console\.[a-z_]+\.[a-z_.]+", english)  # no missing text
    client.get("/console/alerts?lang=zh")  # the choice is kept in a cookie: back to Chinese
    image = client.get(f"/console/alerts/{alert_id}/evidence/image")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in image.headers["content-security-policy"]
    assert hashlib.sha256(image.content).hexdigest() == details["image_sha256"]
    crop = client.get(f"/console/alerts/{alert_id}/evidence/crop")
    assert crop.status_code == 200 and crop.content.startswith(b"\x89PNG")
    assert client.get(f"/console/alerts/{alert_id}/evidence/other").status_code == 404
    assert client.get(f"/console/alerts/{alert_id}/evidence/..%2Fpage").status_code == 404


def test_the_captured_page_is_served_as_inert_text(console: Console) -> None:
    alert_id = crawler_alert(console, kind="uncertified_use")
    client = user(console, "reviewer")
    served = client.get(f"/console/alerts/{alert_id}/evidence/page")
    assert served.status_code == 200
    assert served.content == HOSTILE_HTML  # exactly as captured
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["x-content-type-options"] == "nosniff"
    policy = served.headers["content-security-policy"]
    assert policy.startswith("sandbox") and "script-src" not in policy
    assert "default-src 'none'" in policy
    assert served.headers["content-disposition"].endswith('page.html.txt"')


def test_a_tampered_evidence_file_is_not_served(console: Console) -> None:
    alert_id = crawler_alert(console, kind="uncertified_use",
                             html=b"<p>" + uuid.uuid4().hex.encode() + b"</p>")
    with console.engine.connect() as connection:
        details = connection.scalar(select(Alert.details).where(Alert.id == alert_id))
    page_file = console.data_dir / "evidence" / details["html_path"]
    page_file.write_bytes(b"<p>something else entirely</p>")
    client = user(console, "reviewer")
    served = client.get(f"/console/alerts/{alert_id}/evidence/page")
    assert served.status_code == 409
    assert "篡改" in served.text and "something else" not in served.text
    shown = client.get(f"/console/alerts/{alert_id}")
    assert 'data-tampered="page"' in shown.text
    assert f'href="/console/alerts/{alert_id}/evidence/page"' not in shown.text
    page_file.unlink()
    assert client.get(f"/console/alerts/{alert_id}/evidence/page").status_code == 404
    assert 'data-state="missing"' in client.get(f"/console/alerts/{alert_id}").text


# ---------------------------------------------------------------- review actions


def test_confirming_a_misuse_alert_records_the_infringement_and_credit_event(
        console: Console, world: World) -> None:
    alert_id = crawler_alert(console, number=world.holder_number, subject=world.holder,
                             match="credit_code", seller_code=world.holder.uscc)
    audits = console.audit_count(action="alert.confirm")
    client = user(console, "reviewer")
    done = post(client, f"/console/alerts/{alert_id}/confirm",
                {"reason": "看过证据", "charge": "1"})
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/console/alerts/{alert_id}?done=confirm")
    assert alert_state(console, alert_id) == ("confirmed", "reviewer", None)
    with console.engine.connect() as connection:
        record = connection.execute(select(InfringementRecord).where(
            InfringementRecord.alert_id == alert_id)).one()
        details = connection.scalar(select(Alert.details).where(Alert.id == alert_id))
        events = connection.execute(select(CreditEvent).where(
            CreditEvent.source == f"infringement:{record.id}")).all()
        entry = connection.execute(select(AuditEntry).where(
            AuditEntry.action == "alert.confirm",
            AuditEntry.target == f"alert:{alert_id}")).one()
    assert record.subject_id == world.holder.id
    assert record.certificate_number == world.holder_number
    assert record.listing_url == details["listing_url"]
    assert record.evidence["image_sha256"] == details["image_sha256"]
    assert record.evidence["crop_path"] == details["crop_path"]
    assert record.confirmed_by == "reviewer"
    assert len(events) == 1 and events[0].subject_id == world.holder.id
    assert events[0].severity.value == "major"
    assert entry.before["status"] == "open"
    assert entry.after["status"] == "confirmed"
    assert entry.after["infringement_id"] == record.id
    assert entry.after["credit_event_id"] == events[0].id
    assert console.audit_count(action="alert.confirm") == audits + 1
    # Shown on the alert's page and in the records.
    page = client.get(f"/console/alerts/{alert_id}").text
    assert f'href="/console/infringements/{record.id}"' in page
    # Confirming again changes nothing and says so.
    again = post(client, f"/console/alerts/{alert_id}/confirm", {})
    assert again.status_code == 303 and f"skipped={alert_id}" in again.headers["location"]
    assert "此前已处理" in client.get(again.headers["location"]).text
    assert count(console, InfringementRecord, InfringementRecord.alert_id == alert_id) == 1
    assert console.audit_count(action="alert.confirm") == audits + 1


def test_confirming_without_an_identifiable_seller_makes_no_credit_event(
        console: Console) -> None:
    alert_id = crawler_alert(console, kind="uncertified_use", seller_name="无名小店")
    events = count(console, CreditEvent)
    client = user(console, "reviewer")
    assert post(client, f"/console/alerts/{alert_id}/confirm", {}).status_code == 303
    with console.engine.connect() as connection:
        record = connection.execute(select(InfringementRecord).where(
            InfringementRecord.alert_id == alert_id)).one()
    assert record.subject_id is None and record.seller_name == "无名小店"
    assert count(console, CreditEvent) == events


def test_confirming_scan_alerts_and_reports_records_the_review_only(
        console: Console, world: World) -> None:
    scan = plain_alert(console, number=world.officer_number)
    report_id = store_report(console.engine, ReportForm("包装上的码扫出来是假的"),
                             certificate_number=world.officer_number, verdict="forged",
                             client_hash="test")
    with console.engine.connect() as connection:
        report_alert = connection.scalar(select(Alert.id).where(
            Alert.dedupe_key == f"report:{report_id}"))
    assert report_alert is not None
    client = user(console, "reviewer")
    for alert_id in (scan, report_alert):
        assert post(client, f"/console/alerts/{alert_id}/confirm", {}).status_code == 303
        assert alert_state(console, alert_id)[0] == "confirmed"
    assert count(console, InfringementRecord,
                 InfringementRecord.alert_id.in_([scan, report_alert])) == 0


def test_dismissing_needs_a_reason(console: Console, world: World) -> None:
    alert_id = plain_alert(console, number=world.officer_number)
    client = user(console, "reviewer")
    audits = console.audit_count()
    for reason in ("", "   "):
        refused = post(client, f"/console/alerts/{alert_id}/dismiss", {"reason": reason})
        assert refused.status_code == 400 and "必须填写理由" in refused.text
    assert alert_state(console, alert_id) == ("open", None, None)
    too_long = post(client, f"/console/alerts/{alert_id}/dismiss", {"reason": "x" * 2001})
    assert too_long.status_code == 400
    assert console.audit_count() == audits
    done = post(client, f"/console/alerts/{alert_id}/dismiss", {"reason": "促销活动，非仿冒"})
    assert done.status_code == 303
    assert alert_state(console, alert_id) == ("dismissed", "reviewer", None)
    with console.engine.connect() as connection:
        reason = connection.scalar(select(Alert.review_reason).where(Alert.id == alert_id))
        entry = connection.execute(select(AuditEntry).where(
            AuditEntry.target == f"alert:{alert_id}")).one()
    assert reason == "促销活动，非仿冒"
    assert entry.action == "alert.dismiss" and entry.after["review_reason"] == reason


@pytest.mark.parametrize("username", ["holder", "officer"])
def test_holders_and_officers_cannot_review(console: Console, world: World,
                                            username: str) -> None:
    number = world.holder_number if username == "holder" else world.officer_number
    alert_id = plain_alert(console, number=number)
    client = user(console, username)
    token = csrf_token(client.get(f"/console/alerts/{alert_id}").text)
    for action, data in (("confirm", {}), ("dismiss", {"reason": "no"}),
                         ("assign", {"to_me": "1"})):
        refused = client.post(f"/console/alerts/{alert_id}/{action}",
                              data={"csrf_token": token, **data})
        assert refused.status_code == 403
    bulk = client.post("/console/alerts/bulk", data={
        "csrf_token": token, "action": "confirm", "alert": str(alert_id)})
    assert bulk.status_code == 403
    assert alert_state(console, alert_id) == ("open", None, None)
    assert console.audit_count(actor=username, action="access.denied") >= 4


def test_a_review_without_the_csrf_token_changes_nothing(console: Console,
                                                        world: World) -> None:
    alert_id = crawler_alert(console, number=world.holder_number)
    client = user(console, "reviewer")
    audits = console.audit_count()
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post(f"/console/alerts/{alert_id}/confirm",
                           data=data).status_code == 403
        assert client.post("/console/alerts/bulk", data={
            **data, "action": "dismiss", "reason": "x",
            "alert": str(alert_id)}).status_code == 403
    assert alert_state(console, alert_id) == ("open", None, None)
    assert console.audit_count() == audits
    assert count(console, InfringementRecord, InfringementRecord.alert_id == alert_id) == 0


def test_assigning(console: Console, world: World) -> None:
    alert_id = plain_alert(console, number=world.officer_number)
    client = user(console, "reviewer")
    form = client.get(f"/console/alerts/{alert_id}").text
    assert 'value="admin"' in form and 'value="holder"' not in form
    assert post(client, f"/console/alerts/{alert_id}/assign",
                {"assignee": "admin"}).status_code == 303
    assert alert_state(console, alert_id)[2] == "admin"
    for nobody in ("holder", "officer", "no-such-user"):
        refused = post(client, f"/console/alerts/{alert_id}/assign", {"assignee": nobody})
        assert refused.status_code == 400
    assert alert_state(console, alert_id)[2] == "admin"
    assert post(client, f"/console/alerts/{alert_id}/assign",
                {"assignee": "admin", "to_me": "1"}).status_code == 303
    assert alert_state(console, alert_id)[2] == "reviewer"
    with console.engine.connect() as connection:
        entries = connection.execute(select(AuditEntry.before, AuditEntry.after).where(
            AuditEntry.action == "alert.assign", AuditEntry.target == f"alert:{alert_id}")
            .order_by(AuditEntry.id)).all()
    assert [(b["assigned_to"], a["assigned_to"]) for b, a in entries] == [
        (None, "admin"), ("admin", "reviewer")]


# ---------------------------------------------------------------- bulk


def test_bulk_dismiss_needs_one_reason_and_changes_all_or_nothing(
        console: Console, world: World) -> None:
    ids = [plain_alert(console, number=world.officer_number) for _ in range(3)]
    client = user(console, "reviewer")
    def bulk(**data: Any) -> httpx.Response:
        return post(client, "/console/alerts/bulk",
                    {"alert": [str(i) for i in data.pop("ids", ids)], **data})

    assert bulk(action="dismiss", reason="").status_code == 400
    assert bulk(action="dismiss", reason="x", ids=[*ids, 999_999_999]).status_code == 404
    assert bulk(action="dismiss", reason="x", ids=[]).status_code == 400
    assert bulk(action="sideways", reason="x").status_code == 400
    assert all(alert_state(console, i)[0] == "open" for i in ids)
    # One already reviewed: the others change, that one is reported.
    assert post(client, f"/console/alerts/{ids[0]}/confirm", {}).status_code == 303
    done = bulk(action="dismiss", reason="同一批次的误报")
    assert done.status_code == 303
    assert f"skipped={ids[0]}" in done.headers["location"]
    shown = client.get(done.headers["location"]).text
    assert "已驳回 2 条预警" in shown and "此前已处理" in shown
    assert [alert_state(console, i)[0] for i in ids] == ["confirmed", "dismissed", "dismissed"]
    with console.engine.connect() as connection:
        entries = connection.execute(select(AuditEntry.target, AuditEntry.after).where(
            AuditEntry.action == "alert.dismiss",
            AuditEntry.target.in_([f"alert:{i}" for i in ids]))).all()
    assert sorted(t for t, _ in entries) == sorted(f"alert:{i}" for i in ids[1:])
    assert all(a["bulk"] and a["review_reason"] == "同一批次的误报" for _, a in entries)


def test_bulk_confirm_is_one_transaction(console: Console, world: World) -> None:
    """A failure on the second alert leaves the first as it was, records and audit too."""
    first = crawler_alert(console, kind="uncertified_use")
    second = crawler_alert(console, kind="uncertified_use")
    # The second alert already has a record (as if a concurrent confirm half-landed), so
    # making another breaks the unique key after the first was confirmed in the same
    # transaction.
    database = Database.open(console.database_url)
    try:
        with database.transaction() as session:
            session.add(InfringementRecord(alert_id=second, kind="uncertified_use",
                                           summary="x", evidence={}, confirmed_by="x",
                                           confirmed_at=utcnow()))
    finally:
        database.close()
    records = count(console, InfringementRecord)
    client = user(console, "reviewer")
    audits = console.audit_count()
    failed = post(client, "/console/alerts/bulk",
                  {"action": "confirm", "alert": [str(first), str(second)]})
    assert failed.status_code >= 500
    assert "Traceback" not in failed.text
    assert alert_state(console, first) == ("open", None, None)
    assert alert_state(console, second) == ("open", None, None)
    assert count(console, InfringementRecord) == records
    assert console.audit_count() == audits
    client = user(console, "reviewer")
    done = post(client, "/console/alerts/bulk", {"action": "confirm", "alert": str(first)})
    assert done.status_code == 303
    assert alert_state(console, first)[0] == "confirmed"


# ---------------------------------------------------------------- consumer reports


def test_a_consumer_report_raises_an_alert_and_its_contact_stays_with_staff(
        console: Console, world: World) -> None:
    report_id = store_report(
        console.engine, ReportForm("标签模糊，扫码显示已暂停", contact="13800000000",
                                   where_bought="某超市"),
        certificate_number=world.holder_number, verdict="authentic", client_hash="test")
    with console.engine.connect() as connection:
        alert = connection.execute(select(Alert).where(
            Alert.dedupe_key == f"report:{report_id}")).one()
    assert (alert.source, alert.kind, alert.status) == (
        "report", "consumer_report", AlertStatus.OPEN)
    assert alert.certificate_number == world.holder_number
    assert "13800000000" not in str(alert.details) + alert.summary
    client = user(console, "reviewer")
    assert alert.id in listed(client, "?source=report")
    page = client.get(f"/console/alerts/{alert.id}").text
    assert "标签模糊，扫码显示已暂停" in page and "13800000000" in page and "某超市" in page
    client = user(console, "holder")
    page = client.get(f"/console/alerts/{alert.id}").text
    assert "标签模糊，扫码显示已暂停" in page and "13800000000" not in page
