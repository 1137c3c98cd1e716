"""Infringement records in the console: who may read them, filters, the record's page and
its evidence (served from the record's own copy of the digests)."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import CreditEvent, InfringementRecord
from tests.console import test_alerts
from tests.console.conftest import Console
from tests.console.test_alerts import World, crawler_alert, post, user

# The alert tests' fixtures: the registry's facts, and one signed-in client per account.
world = test_alerts.world
_close_clients = test_alerts._close_clients
RECORDS = re.compile(r'<tr data-record="(\d+)"')


def confirmed(console: Console, alert_id: int, *, charge: bool = False) -> int:
    client = user(console, "reviewer")
    form = {"charge": "1"} if charge else {}
    assert post(client, f"/console/alerts/{alert_id}/confirm", form).status_code == 303
    with console.engine.connect() as connection:
        record_id = connection.scalar(select(InfringementRecord.id).where(
            InfringementRecord.alert_id == alert_id))
    assert record_id is not None
    return record_id


def records(console: Console, username: str, query: str = "") -> list[int]:
    page = user(console, username).get("/console/infringements" + query)
    assert page.status_code == 200, page.text
    return [int(i) for i in RECORDS.findall(page.text)]


def test_records_list_filters_and_scope(console: Console, world: World) -> None:
    held = confirmed(console, crawler_alert(
        console, number=world.holder_number, subject=world.holder, match="name",
        seller_name=world.holder.name))
    officers = confirmed(console, crawler_alert(
        console, kind="out_of_scope", number=world.officer_number, seller_name="范围外商行"))
    orphan = confirmed(console, crawler_alert(console, kind="uncertified_use",
                                              seller_name="无证小店"))
    every = records(console, "reviewer")
    assert {held, officers, orphan} <= set(every)
    assert every.index(orphan) < every.index(held)  # newest first
    assert records(console, "reviewer", "?kind=out_of_scope") == [officers]
    assert records(console, "reviewer", f"?subject={world.holder.uscc}") == [held]
    assert records(console, "reviewer", "?subject=无证小店") == [orphan]
    assert records(console, "reviewer", "?until=2001-01-01") == []
    assert {held, officers, orphan} <= set(records(console, "reviewer", "?since=2001-01-01"))
    officer_sees = set(records(console, "officer"))
    assert officers in officer_sees and orphan not in officer_sees
    assert user(console, "officer").get(f"/console/infringements/{orphan}").status_code == 404
    # Holders have no access to the records at all.
    assert user(console, "holder").get("/console/infringements").status_code == 403


def test_a_record_page_shows_its_evidence_and_credit_event(console: Console,
                                                          world: World) -> None:
    record_id = confirmed(console, crawler_alert(
        console, number=world.holder_number, subject=world.holder, match="credit_code",
        seller_code=world.holder.uscc), charge=True)
    with console.engine.connect() as connection:
        record = connection.execute(select(InfringementRecord).where(
            InfringementRecord.id == record_id)).one()
        event_id = connection.scalar(select(CreditEvent.id).where(
            CreditEvent.source == f"infringement:{record_id}"))
    client = user(console, "reviewer")
    page = client.get(f"/console/infringements/{record_id}")
    assert page.status_code == 200
    for shown in (record.evidence["image_sha256"], record.evidence["html_sha256"],
                  world.holder.name, f'href="/console/credit/{world.holder.id}"',
                  f'href="/console/alerts/{record.alert_id}"', f'data-event="{event_id}"',
                  f'src="/console/infringements/{record_id}/evidence/image"'):
        assert shown in page.text, shown
    image = client.get(f"/console/infringements/{record_id}/evidence/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    served = client.get(f"/console/infringements/{record_id}/evidence/page")
    assert served.headers["content-type"].startswith("text/plain")
    assert "sandbox" in served.headers["content-security-policy"]
    assert client.get("/console/infringements/999999999").status_code == 404
