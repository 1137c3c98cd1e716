"""``shangpin log``: sign tree heads of the transparency log, and monitor a log from outside."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from issuer.transparency import log as transparency_log
from issuer.transparency.errors import LogError
from issuer.transparency.monitor import MonitorAlarm, MonitorState, b64url, check
from shangpin.cli.context import App, emit, json_option, pass_app

#: The log misbehaved (forked, rewritten, badly signed): distinct from a usage error (2).
EXIT_ALARM = 1
MAX_RESPONSE = 16 * 1024 * 1024


@click.group("log")
def log_group() -> None:
    """The transparency log: sign tree heads, monitor a log."""


@log_group.command("sign-head")
@click.option("--force", is_flag=True, help="Sign even if the log has not grown.")
@json_option
@pass_app
def sign_head(app: App, force: bool, as_json: bool) -> None:
    """Sign a tree head now if the log grew or the last head is due (or with --force)."""
    import datetime as dt

    with app.transaction() as session:
        published = transparency_log.sign_head(
            session, passphrase=app.settings.key_passphrase, force=force,
            max_age=dt.timedelta(minutes=app.settings.log_head_minutes))
    head = published.signed.head
    record = {"tree_size": head.size, "root_hash": b64url(head.root_hash),
              "timestamp_ms": head.timestamp_ms, "time": head.time.isoformat(),
              "kid": published.kid}
    emit(as_json, record, lambda: click.echo(
        f"tree head: {head.size} entries, root {record['root_hash']}, {record['time']}"))


class Fetcher:
    """GET JSON from the log over HTTP(S); any failure is a one-line ``LogError``."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise LogError(f"{base!r} is not an http:// or https:// URL")
        self.base = base.rstrip("/")
        self.timeout = timeout

    def __call__(self, path: str, params: Mapping[str, int]) -> Any:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                       "User-Agent": "shangpin-log-monitor"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise LogError(f"{url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise LogError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
        if len(body) > MAX_RESPONSE:
            raise LogError(f"{url} answered more than {MAX_RESPONSE} bytes")
        try:
            return json.loads(body)
        except ValueError:
            raise LogError(f"{url} did not answer JSON") from None


def _load_state(path: Path | None, url: str) -> MonitorState | None:
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LogError(f"cannot read the monitor state {path}: {exc}") from None
    state = MonitorState.from_json(data)
    if state.url.rstrip("/") != url.rstrip("/"):
        raise LogError(f"{path} holds the state of {state.url}, not {url}")
    return state


def _save_state(path: Path, state: MonitorState) -> None:
    """Write the state atomically, so an interrupted run never leaves half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(state.to_json(), indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, path)


@log_group.command()
@click.argument("url")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path),
              help="JSON file with the pinned key and the last trusted head; made on first "
                   "use, advanced after each good check.")
@json_option
def monitor(url: str, state_path: Path | None, as_json: bool) -> None:
    """Check the log at URL: signature, consistency with the last head, and the entries.

    Exits 0 when the log behaved, 1 with a report when it forked, was rewritten or
    signed badly (the state file is then left as it was, as evidence), 2 when it cannot
    be checked.
    """
    state = _load_state(state_path, url)
    try:
        report = check(Fetcher(url), url, state)
    except MonitorAlarm as alarm:
        document = {"ok": False, "alarm": alarm.kind, "report": str(alarm),
                    "evidence": alarm.evidence}
        if as_json:
            click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            click.echo(f"ALARM ({alarm.kind}): {alarm}", err=True)
            for name, value in alarm.evidence.items():
                click.echo(f"  {name}: {json.dumps(value, ensure_ascii=False)}", err=True)
        raise SystemExit(EXIT_ALARM) from None
    if state_path is not None:
        _save_state(state_path, report.state)
    head = report.state.head
    record = {"ok": True, "tree_size": head.size, "root_hash": b64url(head.root_hash),
              "time": head.time.isoformat(), "previous_size": report.previous_size,
              "new_entries": report.new_entries, "kid": report.state.kid}

    def human() -> None:
        since = ("first check: key pinned" if report.previous_size is None
                 else f"consistent with the last head ({report.previous_size} entries)")
        click.echo(f"ok: {head.size} entries, root {record['root_hash']} signed "
                   f"{record['time']}; {since}; {report.new_entries} new entries re-hashed")

    emit(as_json, record, human)


COMMANDS = [log_group]
