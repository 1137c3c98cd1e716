"""Who confirming a crawler alert charges: the reviewer decides, never the seller's claims.

The crawler matches a seller to a registered subject from what the listing itself shows
(the shop name, or the credit code it displays), so a counterfeiter trading under a real
holder's name or code would otherwise get that holder a major credit event. Real verifier
and console on SQLite and PostgreSQL, alerts as the crawler stores them.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from storage.models import AuditEntry, CreditEvent, InfringementRecord
from tests.console import test_alerts
from tests.console.conftest import Console
from tests.console.test_alerts import World, alert_state, crawler_alert, post, user

world = test_alerts.world
_close_clients = test_alerts._close_clients

CHECKBOX = 'id="charge-subject"'


def _outcome(console: Console, alert_id: int) -> tuple[InfringementRecord, list[CreditEvent],
                                                       dict[str, Any]]:
    """The alert's record, the credit events it caused, and its confirm audit row's after."""
    with console.engine.connect() as connection:
        record = connection.execute(select(InfringementRecord).where(
            InfringementRecord.alert_id == alert_id)).one()
        events = list(connection.execute(select(CreditEvent).where(
            CreditEvent.source == f"infringement:{record.id}")).all())
        after = connection.scalar(select(AuditEntry.after).where(
            AuditEntry.action == "alert.confirm", AuditEntry.target == f"alert:{alert_id}"))
    return record, events, after  # type: ignore[return-value]


def _checkbox(page: str) -> str:
    start = page.index(CHECKBOX)
    return page[page.rindex("<input", 0, start):page.index(">", start) + 1]


def test_the_confirm_form_offers_the_charge_ticked_only_for_a_credit_code_match(
        console: Console, world: World) -> None:
    client = user(console, "reviewer")
    by_code = crawler_alert(console, number=world.holder_number, subject=world.holder,
                            match="credit_code", seller_code=world.holder.uscc)
    by_name = crawler_alert(console, number=world.holder_number, subject=world.holder,
                            match="name", seller_name=world.holder.name)
    nobody = crawler_alert(console, kind="uncertified_use", seller_name="无名小店")
    code_page = client.get(f"/console/alerts/{by_code}").text
    name_page = client.get(f"/console/alerts/{by_name}").text
    assert " checked" in _checkbox(code_page)
    assert " checked" not in _checkbox(name_page)
    for page, match in ((code_page, "credit_code"), (name_page, "name")):
        assert f'data-match="{match}"' in _checkbox(page)
        assert world.holder.uscc in page[page.index('id="charge"'):]
    def basis(page: str) -> str:
        start = page.index('id="charge-match"')
        return page[start:page.index("</span>", start)]

    assert "统一社会信用代码" in basis(code_page) and "店铺名称" in basis(name_page)
    assert CHECKBOX not in client.get(f"/console/alerts/{nobody}").text


def test_a_name_match_is_not_charged_unless_the_reviewer_ticks_it(
        console: Console, world: World) -> None:
    client = user(console, "reviewer")
    unticked = crawler_alert(console, number=world.holder_number, subject=world.holder,
                             match="name", seller_name=world.holder.name)
    assert post(client, f"/console/alerts/{unticked}/confirm",
                {"reason": "名称相同，未核实"}).status_code == 303
    record, events, after = _outcome(console, unticked)
    assert record.subject_id == world.holder.id  # who the listing claimed to be
    assert events == []
    assert after["credit_charged"] is False and after["seller_match"] == "name"
    assert record.evidence["credit_decision"] == {
        "charged": False, "match": "name", "subject_id": world.holder.id,
        "by": "reviewer", "bulk": False}
    shown = client.get(f"/console/infringements/{record.id}").text
    assert 'id="not-charged"' in shown

    ticked = crawler_alert(console, number=world.holder_number, subject=world.holder,
                           match="name", seller_name=world.holder.name)
    assert post(client, f"/console/alerts/{ticked}/confirm",
                {"reason": "已核实为该主体", "charge": "1"}).status_code == 303
    record, events, after = _outcome(console, ticked)
    assert len(events) == 1 and events[0].subject_id == world.holder.id
    assert after["credit_charged"] is True and after["credit_event_id"] == events[0].id
    assert record.evidence["credit_decision"]["charged"] is True


def test_a_credit_code_match_the_reviewer_unticks_is_not_charged(
        console: Console, world: World) -> None:
    client = user(console, "reviewer")
    alert_id = crawler_alert(console, number=world.holder_number, subject=world.holder,
                             match="credit_code", seller_code=world.holder.uscc)
    assert post(client, f"/console/alerts/{alert_id}/confirm", {}).status_code == 303
    record, events, after = _outcome(console, alert_id)
    assert record.subject_id == world.holder.id and events == []
    assert after["credit_charged"] is False and "credit_event_id" not in after


def test_bulk_confirm_never_charges_a_name_match(console: Console, world: World) -> None:
    client = user(console, "reviewer")
    page = client.get("/console/alerts").text
    assert 'name="charge_codes"' in page and 'id="bulk-charge-note"' in page

    def made(**kwargs: Any) -> int:
        return crawler_alert(console, number=world.holder_number, subject=world.holder,
                             **kwargs)

    def bulk(ids: list[int], **data: str) -> httpx.Response:
        return post(client, "/console/alerts/bulk",
                    {"action": "confirm", "alert": [str(i) for i in ids], **data})

    # Without the box: nothing is charged, whatever the match.
    plain = [made(match="credit_code", seller_code=world.holder.uscc),
             made(match="name", seller_name=world.holder.name)]
    assert bulk(plain).status_code == 303
    for alert_id in plain:
        record, events, after = _outcome(console, alert_id)
        assert events == [] and after["credit_charged"] is False and after["bulk"] is True
    # With it: the credit-code match only.
    boxed = [made(match="credit_code", seller_code=world.holder.uscc),
             made(match="name", seller_name=world.holder.name)]
    assert bulk(boxed, charge_codes="1").status_code == 303
    assert len(_outcome(console, boxed[0])[1]) == 1
    record, events, _ = _outcome(console, boxed[1])
    assert events == [] and record.evidence["credit_decision"]["bulk"] is True
    # One name match ticked alone in the queue is still a bulk confirm.
    alone = made(match="name", seller_name=world.holder.name)
    assert bulk([alone], charge_codes="1", charge="1").status_code == 303
    assert alert_state(console, alone)[0] == "confirmed"
    assert _outcome(console, alone)[1] == []
