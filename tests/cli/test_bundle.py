"""``shangpin bundle`` and ``shangpin verify --bundle``, as real processes.

The offline verification runs with the database setting pointed at a path that does not
exist and no passphrase: any attempt to open a database would fail the command.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from issuer import bundle, ed25519
from issuer.payload import make_kid
from issuer.verification import PublicKey
from storage.enums import KeyState
from tests.cli.conftest import Shangpin


def _offline(tmp_path: Path) -> dict[str, str]:
    return {"SHANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'none.db'}",
            "SHANGPIN_KEY_PASSPHRASE": ""}


def test_offline_verdicts_match_the_registry(shangpin: Shangpin,
                                             seeded: dict[str, dict[str, Any]],
                                             tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    made = shangpin("bundle", "--out", str(out), "--json").json()
    assert made["certificates"] >= len(seeded) and made["gzipped_bytes"] < made["bytes"]
    assert out.read_bytes().endswith(b"\n")
    # The seeded records carry the status the registry shows (what `verify` prints online).
    for shown, record in seeded.items():
        offline = shangpin("verify", record["mark_url"], "--bundle", str(out), "--json",
                           env=_offline(tmp_path), check=False)
        assert offline.code == 0, offline.err
        answer = offline.json()
        assert (answer["verdict"], answer["status"]) == ("authentic", shown)
        assert answer["key_state"] == "active" and answer["certificate"] == record["number"]
        assert answer["status_as_of"] == made["date"]
        assert answer["bundle"]["stale"] is False and 0 <= answer["bundle"]["age_seconds"] < 600
    assert not (tmp_path / "absent").exists()
    code = seeded["valid"]["mark_url"].rsplit("/", 1)[1]
    forged = code[:-10] + ("A" if code[-10] != "A" else "B") + code[-9:]
    answer = shangpin("verify", forged, "--bundle", str(out), "--json",
                      env=_offline(tmp_path), check=False)
    assert answer.code == 1 and answer.json()["verdict"] == "forged"
    human = shangpin("verify", seeded["revoked"]["mark_url"], "--bundle", str(out),
                     env=_offline(tmp_path))
    assert "authentic" in human.out and f"revoked (as of {made['date']})" in human.out


def test_compromised_key_in_a_new_bundle(shangpin: Shangpin, seeded: dict[str, dict[str, Any]],
                                         tmp_path: Path) -> None:
    kid = shangpin("keys", "list", "--json").json()[0]["kid"]
    shangpin("keys", "new")  # the bundle is signed by the newest active key
    shangpin("keys", "compromise", kid, "--reason", "seed leaked")
    out = tmp_path / "bundle.json"
    shangpin("bundle", "--out", str(out))
    answer = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(out), "--json",
                      env=_offline(tmp_path), check=False)
    assert answer.code == 1
    assert (answer.json()["verdict"], answer.json()["key_state"]) == ("compromised_key",
                                                                     "compromised")


def test_a_changed_byte_is_refused_with_a_clear_error(shangpin: Shangpin,
                                                      seeded: dict[str, dict[str, Any]],
                                                      tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    shangpin("bundle", "--out", str(out))
    data = out.read_bytes()
    envelope = json.loads(data)
    # One byte in each part: the payload (inside the base64), the signature, the key id,
    # the JSON around them. Every position is covered in process in test_bundle_format.
    positions = {
        "payload": data.index(envelope["bundle"].encode()) + len(envelope["bundle"]) // 2,
        "signature": data.index(envelope["signature"].encode()) + 5,
        "kid": data.index(envelope["kid"].encode()) + 1,
        "syntax": 0,
    }
    for part, position in positions.items():
        changed = bytearray(data)
        changed[position] ^= 0x01
        bad = tmp_path / f"changed-{part}.json"
        bad.write_bytes(bytes(changed))
        result = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(bad),
                          env=_offline(tmp_path), check=False)
        assert result.code == 2, part
        assert result.err.startswith(f"error: the bundle {bad} is refused:"), result.err
        assert "Traceback" not in result.err and result.out == ""
    missing = shangpin("verify", "X", "--bundle", str(tmp_path / "nope.json"), check=False)
    assert missing.code == 2 and "cannot read the bundle" in missing.err


def test_stale_bundle_warns_with_its_age(shangpin: Shangpin, tmp_path: Path) -> None:
    seed = ed25519.generate_seed()
    signer = ed25519.Signer(seed)
    key = PublicKey(make_kid(signer.public_key), signer.public_key, KeyState.ACTIVE)
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(days=3, hours=2)
    payload = bundle.make_payload({"SP-2026-00001": "valid"}, {key.kid: key}, kid=key.kid,
                                  issued_at=issued, on=issued.date(), hosts=["X.TEST"],
                                  tree_head=None, log_key=None)
    out = tmp_path / "old.json"
    out.write_bytes(bundle.sign(payload, key.kid, signer))
    from issuer.marks import sign_mark

    code = sign_mark((key.kid, seed), "SP-2026-00001", dt.date(2026, 1, 1), dt.date(2029, 1, 1))
    result = shangpin("verify", code, "--bundle", str(out), "--json", env=_offline(tmp_path))
    answer = result.json()
    assert answer["bundle"]["stale"] is True and answer["status"] == "valid"
    assert answer["bundle"]["age_seconds"] >= 3 * 86_400
    assert "warning: the bundle is 3 d 2 h old, past its next update" in result.err
    human = shangpin("verify", code, "--bundle", str(out), env=_offline(tmp_path))
    assert "(STALE)" in human.out


def test_bundle_names_a_tree_head_over_every_status(shangpin: Shangpin,
                                                    seeded: dict[str, dict[str, Any]],
                                                    cli_env: dict[str, str],
                                                    tmp_path: Path) -> None:
    from issuer.transparency import log
    from storage.session import Database

    def log_size() -> int:
        database = Database.open(
            f"sqlite:///{Path(cli_env['SHANGPIN_DATA_DIR']) / 'shangpin.db'}")
        try:
            with database.transaction() as session:
                return log.tree_size(session)
        finally:
            database.close()

    out = tmp_path / "bundle.json"
    made = shangpin("bundle", "--out", str(out), "--json").json()
    size = log_size()
    assert size > 0 and made["tree_head_size"] == size
    number = seeded["valid"]["number"]
    shangpin("cert", "suspend", number, "--reason", "监督抽查不合格")
    again = shangpin("bundle", "--out", str(out), "--json").json()
    assert again["tree_head_size"] == log_size() == size + 1
    loaded = bundle.verify_bundle(out.read_bytes())
    assert loaded.tree_head is not None and loaded.tree_head.size == size + 1
    assert loaded.statuses[number].value == "suspended" and loaded.log_key is not None
    answer = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(out), "--json",
                      env=_offline(tmp_path)).json()
    assert answer["status"] == "suspended"
    assert answer["bundle"]["tree_head"]["size"] == size + 1
    assert answer["bundle"]["tree_head"]["root_hash"] == loaded.tree_head.root_hash.hex()
