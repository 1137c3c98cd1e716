"""``POST /api/v1/reports``: a consumer reports a suspected fake.

It writes, so it is neither cacheable nor open to other origins; it accepts only
``application/json`` so a page on another site cannot post here without a preflight.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from verifier.api.responses import BadBody, clean_text, dumps, invalid_input, read_json_object
from verifier.clients import client_address, keyed_hash
from verifier.keys import ENGINE, HASH_KEY, SCANS
from verifier.reports import InvalidReport, ReportForm, store_report

FIELDS = ("description", "code", "where_bought", "contact")
#: Checked here as well as in ReportForm so the answer names the one field at fault.
LIMITS = {"where_bought": 300, "contact": 200}


async def submit(request: web.Request) -> web.Response:
    try:
        data = await read_json_object(request, require_json_type=True)
    except BadBody as bad:
        return bad.response
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = data.get(name)
        if value is None and name != "description":
            values[name] = None
            continue
        text = clean_text(value)
        if text is None:
            return invalid_input(name, "must be text" if name != "description"
                                 else "please describe what looks wrong")
        if len(text) > LIMITS.get(name, len(text)):
            return invalid_input(name, f"at most {LIMITS[name]} characters")
        values[name] = text
    try:
        form = ReportForm(
            description=values["description"] or "",
            code=values["code"],
            where_bought=values["where_bought"] or "",
            contact=values["contact"] or "",
        ).cleaned()
    except InvalidReport as exc:
        name, _, reason = str(exc).partition(": ")
        return invalid_input(name.split(" ")[0], reason or str(exc))
    number = verdict = None
    if form.code is not None:
        # Checked, not logged as a scan: the reporter is describing a code, not scanning it.
        outcome = await request.app[SCANS].verify(form.code)
        number = outcome.payload.certificate_number if outcome.payload else None
        verdict = outcome.verdict.value
    engine = request.app[ENGINE]
    client = keyed_hash(request.app[HASH_KEY], client_address(request))
    report_id = await asyncio.get_running_loop().run_in_executor(
        None, lambda: store_report(engine, form, certificate_number=number, verdict=verdict,
                                   client_hash=client))
    return web.Response(body=dumps({"id": report_id}), status=201,
                        content_type="application/json", charset="utf-8",
                        headers={"Cache-Control": "no-store"})
