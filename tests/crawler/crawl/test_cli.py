"""``shangpin crawl`` refuses what it cannot run with one line and exit status 2, before any
crawl starts (so these run in-process: Scrapy's reactor is never started here)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from shangpin.cli import cli
from tests.crawler.crawl.conftest import child_env
from tests.crawler.crawl.site import site_toml


def _invoke(tmp_path: Path, *args: str, **env: str) -> tuple[int, str]:
    runner = CliRunner()
    result = runner.invoke(cli, ["crawl", *args], env=child_env(
        SHANGPIN_DATA_DIR=str(tmp_path / "var"), **env), catch_exceptions=False)
    return result.exit_code, result.stderr


def test_a_bad_site_file_is_one_line(tmp_path: Path) -> None:
    site_file = tmp_path / "shop.toml"
    site_file.write_text(site_toml("shop", "http://127.0.0.1:9/").replace(
        'title = "h1.title::text"', 'titel = "h1.title::text"'), encoding="utf-8")
    code, err = _invoke(tmp_path, str(site_file), "--no-detect")
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {site_file}: unknown key 'selectors.titel' (known: category, image_urls, "
        "listing_links, next_page, price, seller_credit_code, seller_link, seller_name, "
        "title)"]
    assert not (tmp_path / "var").exists()  # nothing was started or written


def test_an_unreachable_redis_is_one_line_and_hides_the_password(tmp_path: Path) -> None:
    site_file = tmp_path / "shop.toml"
    site_file.write_text(site_toml("shop", "http://127.0.0.1:9/"), encoding="utf-8")
    code, err = _invoke(tmp_path, str(site_file), "--no-detect",
                        SHANGPIN_REDIS_URL="redis://crawler:s3cret@127.0.0.1:1/0")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: Redis at redis://crawler:***@127.0.0.1:1/0 is unavailable")
    assert "s3cret" not in err


def test_a_bad_redis_prefix_is_one_line(tmp_path: Path) -> None:
    site_file = tmp_path / "shop.toml"
    site_file.write_text(site_toml("shop", "http://127.0.0.1:9/"), encoding="utf-8")
    code, err = _invoke(tmp_path, str(site_file), "--no-detect", "--redis-prefix", "a b",
                        SHANGPIN_REDIS_URL="redis://127.0.0.1:1/0")
    assert code == 2
    assert err.strip() == ("error: the Redis key prefix may hold letters, digits and ':_.-' "
                           "only")
