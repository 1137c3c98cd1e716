"""``shangpin crawl SITE.toml``: crawl a marketplace and raise misuse alerts.

Thin: read the site file, build the listing processor from the settings, run the crawl in this
process (Scrapy's reactor: one crawl per process), print the summary.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from shangpin import __version__
from shangpin.cli.context import App, emit, json_option, pass_app

#: Finish reasons after which the crawl did what was asked (all of it, or --max-listings).
_COMPLETE = ("finished", "closespider_itemcount")


@click.command("crawl")
@click.argument("site_file", metavar="SITE.toml",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--jobdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where a stopped crawl keeps its queue to resume from "
                   "(default: <data dir>/crawl-jobs/<site name>).")
@click.option("--max-listings", type=click.IntRange(1), metavar="N",
              help="Stop after about N listings; the next run resumes where this one stopped.")
@click.option("--no-detect", is_flag=True,
              help="Fetch pages and images but analyse nothing (crawl-only benchmark).")
@click.option("--restart", is_flag=True,
              help="Forget a stopped crawl's queue (JOBDIR or Redis) and start afresh.")
@click.option("--redis-prefix", metavar="PREFIX",
              help="Redis key prefix of the shared frontier (default: shangpin:crawl:<site>).")
@click.option("--idle-wait", type=click.FloatRange(0, 3600), default=10.0, show_default=True,
              help="With Redis: seconds an idle process waits for work from the others.")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
              default="WARNING", show_default=True)
@json_option
@pass_app
def crawl(app: App, site_file: Path, jobdir: Path | None, max_listings: int | None,
          no_detect: bool, restart: bool, redis_prefix: str | None, idle_wait: float,
          log_level: str, as_json: bool) -> None:
    """Crawl the marketplace a site file describes; store listings and misuse alerts."""
    from crawler.crawl.runner import CrawlSetupError, run_crawl
    from crawler.crawl.settings import RedisFrontier
    from crawler.crawl.siteconfig import SiteConfigError, load

    settings = app.settings
    try:
        site = load(site_file)
        redis = (RedisFrontier.for_site(settings.redis_url, site, prefix=redis_prefix,
                                        idle_wait=idle_wait) if settings.redis_url else None)
    except (SiteConfigError, ValueError) as exc:
        _fail(str(exc))
    processor = None if no_detect else _processor(app)
    if redis is None and jobdir is None:
        jobdir = settings.data_dir / "crawl-jobs" / site.name
    user_agent = (f"shangpin-crawler/{__version__} (+{settings.public_url}; "
                  "Shanghai Brand mark misuse monitoring; obeys robots.txt)")
    live = sys.stderr.isatty() and not as_json
    try:
        if live:
            summary = _with_progress(lambda **kw: run_crawl(
                site, processor=processor, jobdir=jobdir, redis=redis,
                max_listings=max_listings, restart=restart, user_agent=user_agent,
                log_level=log_level, **kw), log_level)
        else:
            summary = run_crawl(site, processor=processor, jobdir=jobdir, redis=redis,
                                max_listings=max_listings, restart=restart,
                                user_agent=user_agent, log_level=log_level)
    except CrawlSetupError as exc:
        _fail(str(exc))
    data = summary.to_json()
    data["frontier"] = f"redis {redis.prefix}" if redis else f"jobdir {jobdir}"
    emit(as_json, data, lambda: _human(data))
    if summary.reason not in _COMPLETE:
        click.get_current_context().exit(1)


def _processor(app: App) -> Any:
    from crawler.processing import ListingProcessor

    settings = app.settings
    references = None
    if settings.artwork_dir is not None:
        from crawler.references import ReferenceError, References

        try:
            references = References.from_dir(settings.artwork_dir)
        except ReferenceError as exc:
            _fail(str(exc))
    database = app.database
    return ListingProcessor(database, evidence_dir=settings.evidence_dir,
                            keys=ListingProcessor.load_keys(database),
                            hosts=settings.mark_hosts, references=references)


def _with_progress(run: Any, log_level: str) -> Any:
    """Run the crawl under a live progress line on stderr, logging through the same console."""
    from rich.console import Console
    from rich.logging import RichHandler
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from crawler.crawl.runner import CrawlProgress

    console = Console(stderr=True)
    handler = RichHandler(console=console, show_path=False, level=log_level)
    handler.setFormatter(logging.Formatter("[%(name)s] %(message)s"))
    logging.basicConfig(level=log_level, handlers=[handler], force=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("starting")

        def show(p: CrawlProgress) -> None:
            bar.update(task, description=(
                f"{p.pages} pages · {p.listings} listings · {p.images} images · "
                f"{p.alerts_new} new alerts · {p.errors} errors"))

        return run(progress=show, overrides={"LOG_INSTALL_ROOT_HANDLER": False})


def _human(data: dict[str, Any]) -> None:
    from shangpin.cli.context import table

    kinds = ", ".join(f"{k} {v}" for k, v in data["new_alerts_by_kind"].items())
    rows = [
        ["site", data["site"]],
        ["finished", data["reason"]],
        ["pages", data["pages"]],
        ["listings", f"{data['listings']} ({data['listings_per_second']}/s)"],
        ["images fetched", data["images_fetched"]],
        ["images analysed / from cache", f"{data['images_analysed']} / {data['images_cached']}"],
        ["images failed", data["images_failed"]],
        ["new alerts", f"{data['alerts_new']}" + (f" ({kinds})" if kinds else "")],
        ["alerts already known", data["alerts_known"]],
        ["refused (robots.txt, private)", data["refused"]],
        ["errors", data["errors"]],
        ["elapsed", f"{data['elapsed']} s"],
        ["frontier", data["frontier"]],
    ]
    table(["crawl", ""], rows)


def _fail(message: str) -> Any:
    click.echo(f"error: {message.strip().splitlines()[0]}", err=True)
    click.get_current_context().exit(2)


COMMANDS = [crawl]
