"""The command line as a user meets it: real processes, real database files."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from storage.uscc import check_character
from tests.cli.conftest import Shangpin

GOOD_USCC = "91310000132200821H"


def _snapshot(tmp_path: Path) -> list[tuple[str, int]]:
    """Row counts of every table: proof that a refused command wrote nothing."""
    db = sqlite3.connect(tmp_path / "var" / "shangpin.db")
    try:
        tables = [
            r[0]
            for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return [(t, db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables]
    finally:
        db.close()


def test_demo_seed_twice(shangpin: Shangpin, seeded: dict[str, dict[str, Any]]) -> None:
    before = len(shangpin("cert", "list", "--json").json())
    again = shangpin("demo", "seed", check=False)
    assert again.code == 2 and "already holds certificates of the demo" in again.err
    tolerant = shangpin("demo", "seed", "--if-empty")
    assert "not seeding" in tolerant.err
    assert len(shangpin("cert", "list", "--json").json()) == before


def test_demo_seed_covers_every_status(seeded: dict[str, dict[str, Any]]) -> None:
    assert set(seeded) == {"publicity", "valid", "suspended", "expired", "terminated", "revoked"}
    schemes = {r["scheme"] for r in seeded.values()}
    assert schemes == {"shangpin", "cultivation"} or "shangpin" in schemes


def test_cert_show_json_includes_the_mark_url(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]]
) -> None:
    number = seeded["suspended"]["number"]
    shown = shangpin("cert", "show", number, "--json").json()
    assert shown["mark_url"].startswith("HTTPS://VERIFY.SHANGPIN.EXAMPLE/V/")
    assert shown["status"] == "suspended"
    assert shown["events"][-1]["to"] == "suspended" and shown["events"][-1]["reason"]
    verdict = shangpin("verify", shown["mark_url"], "--json").json()
    assert verdict["verdict"] == "authentic" and verdict["status"] == "suspended"
    assert verdict["holder"]["uscc"] == shown["subject"]["uscc"]


def test_lifecycle_commands(shangpin: Shangpin, seeded: dict[str, dict[str, Any]]) -> None:
    number = seeded["valid"]["number"]
    out = shangpin("cert", "suspend", number, "--reason", "监督抽检不合格", "--json").json()
    assert out["status"] == "suspended" and out["event"]["reason"] == "监督抽检不合格"
    assert shangpin("cert", "reinstate", number, "--json").json()["status"] == "valid"
    assert (
        shangpin("cert", "terminate", number, "--reason", "主体申请", "--json").json()["status"]
        == "terminated"
    )
    listed = shangpin("cert", "list", "--status", "terminated", "--json").json()
    assert number in [r["number"] for r in listed]


def _bad_inputs(seeded: dict[str, dict[str, Any]]) -> list[tuple[list[str], str]]:
    valid = seeded["valid"]["number"]
    bad_uscc = GOOD_USCC[:-1] + ("J" if GOOD_USCC[-1] != "J" else "K")
    return [
        (["subject", "add", "--name", "某公司", "--uscc", bad_uscc], "check character"),
        (["subject", "add", "--name", "某公司", "--uscc", "123"], "18 characters"),
        (["cert", "show", "SP-1999-99999"], "no certificate"),
        (["cert", "reinstate", valid], "cannot reinstate"),
        (["cert", "activate", seeded["revoked"]["number"]], "cannot activate"),
        (["cert", "suspend", valid, "--reason", "   "], "reason is required"),
        (["cert", "suspend", seeded["expired"]["number"], "--reason", "x"], "expired"),
        (
            [
                "cert",
                "issue",
                "--subject",
                seeded["valid"]["subject"]["uscc"],
                "--body",
                "SBCA-01",
                "--standard",
                "S",
                "--product",
                "a:b",
                "--valid-from",
                "2027-01-01",
                "--valid-until",
                "2026-01-01",
            ],
            "is after valid until",
        ),
        (
            [
                "cert",
                "issue",
                "--subject",
                GOOD_USCC,
                "--body",
                "SBCA-01",
                "--standard",
                "S",
                "--product",
                "a:b",
            ],
            "no subject",
        ),
        (["cert", "surveil", valid, "--date", "31-12-2025"], "YYYY-MM-DD"),
        (["mark", "render", "SP-1999-99999", "--out", "x.png"], "no certificate"),
        (
            ["codes", "issue", seeded["revoked"]["number"], "--count", "5", "--out", "c.csv"],
            "revoked",
        ),
        (["keys", "retire", "00000000"], "no signing key"),
    ]


def test_bad_input_is_one_line_exit_2_and_changes_nothing(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    before = _snapshot(tmp_path)
    for args, message in _bad_inputs(seeded):
        result = shangpin(*args, check=False)
        assert result.code == 2, (args, result.err)
        assert "Traceback" not in result.err + result.out, args
        assert message in result.err, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, (args, result.err)
        assert _snapshot(tmp_path) == before, args
    assert not (tmp_path / "c.csv").exists() and not (tmp_path / "x.png").exists()


def test_missing_passphrase(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    before = _snapshot(tmp_path)
    for args in (
        ["keys", "new"],
        ["codes", "issue", seeded["valid"]["number"], "--count", "3", "--out", "c.csv"],
    ):
        result = shangpin(*args, env={"SHANGPIN_KEY_PASSPHRASE": ""}, check=False)
        assert result.code == 2 and "SHANGPIN_KEY_PASSPHRASE" in result.err
        assert "Traceback" not in result.err
    wrong = shangpin(
        "codes",
        "issue",
        seeded["valid"]["number"],
        "--count",
        "3",
        "--out",
        "c.csv",
        env={"SHANGPIN_KEY_PASSPHRASE": "not the passphrase"},
        check=False,
    )
    assert wrong.code == 2 and "cannot unlock" in wrong.err
    assert "not the passphrase" not in wrong.err
    assert _snapshot(tmp_path) == before


def test_passphrase_is_never_printed(shangpin: Shangpin, tmp_path: Path) -> None:
    from tests.cli.conftest import PASSPHRASE

    outputs = [
        shangpin("keys", "new", "--json"),
        shangpin("keys", "list", "--json"),
        shangpin("keys", "jwks"),
    ]
    for result in outputs:
        assert PASSPHRASE not in result.out + result.err
    listed = outputs[1].json()
    assert set(listed[0]) >= {"kid", "state"} and "private" not in str(listed).lower()


def test_key_rotation_from_the_command_line(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]]
) -> None:
    old_url = seeded["valid"]["mark_url"]
    old_kid = shangpin("verify", old_url, "--json").json()["kid"]
    new = shangpin("keys", "new", "--retire-others", "--json").json()
    keys = {k["kid"]: k for k in shangpin("keys", "list", "--json").json()}
    assert keys[old_kid]["state"] == "retired" and keys[new["kid"]]["signing"]
    assert shangpin("verify", old_url, "--json").json()["verdict"] == "authentic"
    shangpin("keys", "compromise", old_kid, "--reason", "backup tape lost")
    result = shangpin("verify", old_url, "--json", check=False)
    assert result.code == 1 and result.json()["verdict"] == "compromised_key"
    number = seeded["valid"]["number"]
    refused = shangpin("mark", "render", number, "--out", "m.png", check=False)
    assert refused.code == 2 and "mark resign" in refused.err
    shangpin("mark", "resign", number)
    fresh = shangpin("cert", "show", number, "--json").json()["mark_url"]
    assert fresh != old_url
    assert shangpin("verify", fresh, "--json").json()["verdict"] == "authentic"


def test_verify_reports_every_verdict(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]]
) -> None:
    url = seeded["valid"]["mark_url"]
    code = url.rsplit("/", 1)[1]
    tampered = code[:40] + ("A" if code[40] != "A" else "B") + code[41:]
    forged = shangpin("verify", tampered, "--json", check=False)
    assert forged.code == 1 and forged.json()["verdict"] in ("forged", "malformed")
    garbage = shangpin(
        "verify", "HTTPS://VERIFY.SHANGPIN.EXAMPLE/V/not-a-code", "--json", check=False
    )
    assert garbage.code == 1 and garbage.json()["verdict"] == "malformed"
    other_host = shangpin(
        "verify", url.replace("VERIFY.SHANGPIN", "EVIL.SHANGPIN"), "--json", check=False
    )
    assert other_host.json()["verdict"] == "malformed"
    human = shangpin("verify", url)
    assert "authentic" in human.out and seeded["valid"]["subject"]["name"] in human.out


def test_unit_codes_csv(
    shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    number = seeded["valid"]["number"]
    shangpin(
        "codes",
        "issue",
        number,
        "--count",
        "250",
        "--out",
        "batch/codes.csv",
        "--images",
        "batch/qr",
    )
    with (tmp_path / "batch" / "codes.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["serial"]) for r in rows] == list(range(1, 251))
    assert len(list((tmp_path / "batch" / "qr").glob("*.png"))) == 250
    result = shangpin("verify", rows[123]["url"], "--json").json()
    assert result["verdict"] == "authentic" and result["unit_serial"] == 124
    again = shangpin("codes", "issue", number, "--count", "2", "--out", "more.csv")
    assert "serials 251-252" in again.err


def test_subjects_and_bodies(shangpin: Shangpin) -> None:
    body = "91310000" + "13220082" + "1"
    uscc = body + check_character(body)
    added = shangpin(
        "subject", "add", "--name", " 上海测试有限公司 ", "--uscc", uscc.lower(), "--json"
    ).json()
    assert added == {"name": "上海测试有限公司", "uscc": uscc, "address": ""}
    shangpin("body", "add", "--code", "cb-9", "--name", "测试认证机构")
    assert [b["code"] for b in shangpin("body", "list", "--json").json()] == ["CB-9"]
    assert shangpin("subject", "list", "--json").json()[0]["uscc"] == uscc
    shangpin("keys", "new")
    issued = shangpin(
        "cert",
        "issue",
        "--subject",
        uscc,
        "--body",
        "CB-9",
        "--standard",
        "T/SHBA 001",
        "--product",
        "酱油:调味品",
        "--service",
        "配送:物流",
        "--json",
    ).json()
    assert issued["status"] == "publicity"
    assert [i["kind"] for i in issued["scope"]] == ["product", "service"]


@pytest.mark.postgres
def test_same_commands_on_postgres(shangpin: Shangpin, pg_database: str) -> None:
    env = {"SHANGPIN_DATABASE_URL": pg_database}
    refused = shangpin("cert", "list", env=env, check=False)
    assert refused.code == 2 and "shangpin db upgrade" in refused.err
    shangpin("db", "upgrade", env=env)
    records = shangpin("demo", "seed", "--json", env=env).json()
    assert len({r["status"] for r in records}) == 6
    number = next(r["number"] for r in records if r["status"] == "valid")
    shangpin("cert", "suspend", number, "--reason", "test", env=env)
    shown = shangpin("cert", "show", number, "--json", env=env).json()
    assert shown["status"] == "suspended"


def test_database_that_is_unreachable_is_one_line(shangpin: Shangpin) -> None:
    env = {"SHANGPIN_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    result = shangpin("cert", "list", env=env, check=False)
    assert result.code == 2 and "database is unavailable" in result.err
    assert "Traceback" not in result.err
