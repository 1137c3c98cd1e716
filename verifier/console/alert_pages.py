"""``/console/alerts``: the queue, one alert's page, its evidence files, and the review
actions (confirm, dismiss, assign, and the same in bulk from the queue)."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from storage.enums import AlertStatus
from verifier.console import alerts, alerts_detail, alerts_review, db, evidence_pages, pages
from verifier.console.home import page_number
from verifier.console.state import STAFF

MAX_FIELD = alerts_review.MAX_REASON + 1


def _alert_id(request: web.Request) -> int:
    return int(request.match_info["alert_id"])  # the route only matches digits


async def queue(request: web.Request) -> web.Response:
    chosen = alerts.AlertFilter.from_query(request.query)
    page = page_number(request)
    staff = request[STAFF]
    found = await db.run(request, alerts.search, staff, chosen, page)
    found.rows[:] = [alerts_detail.without_review_internals(staff, r) for r in found.rows]
    return pages.render(request, "console/alerts.html", {
        "found": found, "chosen": chosen, "page": page,
        "pages": max(1, -(-found.total // alerts.PAGE_SIZE)),
        "statuses": [s.value for s in AlertStatus], "sources": alerts.SOURCES,
        "sorts": alerts.SORTS, "done": _done(request),
    })


def _done(request: web.Request) -> dict[str, object] | None:
    """What the last action did, from the redirect's query (numbers only)."""
    action = request.query.get("done", "")
    if action not in ("confirm", "dismiss", "assign"):
        return None

    def numbers(name: str) -> list[int]:
        return [int(v) for v in request.query.get(name, "").split(",") if v.isdigit()][:200]

    return {"action": action, "changed": numbers("changed"), "skipped": numbers("skipped")}


async def alert_page(request: web.Request) -> web.Response:
    found = await db.run(request, alerts_detail.detail, request[STAFF], _alert_id(request))
    if found is None:
        return pages.error(request, 404, "console.not_found")
    checks = await evidence_pages.check_all(request, found["details"])
    return pages.render(request, "console/alert.html",
                        {**found, "checks": checks, "done": _done(request)})


async def evidence_file(request: web.Request) -> web.Response:
    alert_id = _alert_id(request)
    details = await db.run(request, alerts_detail.evidence_details, request[STAFF], alert_id)
    if details is None:
        return pages.error(request, 404, "console.not_found")
    return await evidence_pages.serve(request, details, request.match_info["role"],
                                      f"alert-{alert_id}")


def _after(target: str, action: str, outcome: alerts_review.Outcome) -> web.Response:
    query = urlencode({"done": action,
                       "changed": ",".join(map(str, outcome.changed)),
                       "skipped": ",".join(map(str, outcome.already_reviewed))})
    return pages.redirect(f"{target}?{query}")


async def _review(request: web.Request, ids: list[int], decision: AlertStatus,
                  reason: str, target: str, *, charge: bool = False,
                  bulk: bool = False) -> web.Response:
    try:
        outcome = await db.run(request, alerts_review.review, request[STAFF], ids, decision,
                               reason, client_hash=db.client_hash(request), charge=charge,
                               bulk=bulk)
    except alerts_review.ReviewError as exc:
        status = 404 if exc.key == "console.not_found" else 400
        return pages.error(request, status, exc.key)
    action = "confirm" if decision is AlertStatus.CONFIRMED else "dismiss"
    return _after(target, action, outcome)


async def confirm(request: web.Request) -> web.Response:
    form = await request.post()
    alert_id = _alert_id(request)
    return await _review(request, [alert_id], AlertStatus.CONFIRMED,
                         str(form.get("reason", ""))[:MAX_FIELD], f"/console/alerts/{alert_id}",
                         charge=form.get("charge") == "1")


async def dismiss(request: web.Request) -> web.Response:
    form = await request.post()
    alert_id = _alert_id(request)
    return await _review(request, [alert_id], AlertStatus.DISMISSED,
                         str(form.get("reason", ""))[:MAX_FIELD], f"/console/alerts/{alert_id}")


async def assign(request: web.Request) -> web.Response:
    form = await request.post()
    alert_id = _alert_id(request)
    assignee = "me" if form.get("to_me") else str(form.get("assignee", ""))[:64]
    try:
        outcome = await db.run(request, alerts_review.assign, request[STAFF], alert_id,
                               assignee, client_hash=db.client_hash(request))
    except alerts_review.ReviewError as exc:
        status = 404 if exc.key == "console.not_found" else 400
        return pages.error(request, status, exc.key)
    return _after(f"/console/alerts/{alert_id}", "assign", outcome)


async def bulk(request: web.Request) -> web.Response:
    form = await request.post()
    action = str(form.get("action", ""))
    decisions = {"confirm": AlertStatus.CONFIRMED, "dismiss": AlertStatus.DISMISSED}
    if action not in decisions:
        return pages.error(request, 400, "console.review.bad_selection")
    try:
        ids = alerts_review.clean_ids([str(v) for v in form.getall("alert", [])])
    except alerts_review.ReviewError as exc:
        return pages.error(request, 400, exc.key)
    return await _review(request, ids, decisions[action],
                         str(form.get("reason", ""))[:MAX_FIELD], "/console/alerts",
                         charge=form.get("charge_codes") == "1", bulk=True)
