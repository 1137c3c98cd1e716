"""``shangpin bundle`` and ``shangpin verify --bundle``, as real processes.

The offline verification runs with the database setting pointed at a path that does not
exist and no passphrase: any attempt to open a database would fail the command. Its trust
anchor is then the registry's JWKS in a file (``--trust-jwks``), as an inspector would
carry it; with the database reachable, the registry's own keys.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from issuer import bundle, ed25519
from issuer.keys import from_jwks, to_jwks
from issuer.payload import make_kid
from issuer.verification import PublicKey
from storage.enums import KeyState
from tests.cli.conftest import Shangpin


def _offline(tmp_path: Path) -> dict[str, str]:
    return {"SHANGPIN_DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'none.db'}",
            "SHANGPIN_KEY_PASSPHRASE": ""}


def _jwks(shangpin: Shangpin, tmp_path: Path) -> str:
    """The registry's key set in a file, as served at /.well-known/shangpin/jwks.json."""
    path = tmp_path / "jwks.json"
    path.write_text(shangpin("keys", "jwks").out)
    return str(path)


def _self_signed(tmp_path: Path, issued: dt.datetime, *, hosts: tuple[str, ...] = ("X.TEST",),
                 name: str = "own.json") -> tuple[Path, str, str]:
    """A bundle signed by a fresh key it lists itself, a JWKS of that key, and a code."""
    from issuer.marks import sign_mark

    seed = ed25519.generate_seed()
    signer = ed25519.Signer(seed)
    key = PublicKey(make_kid(signer.public_key), signer.public_key, KeyState.ACTIVE)
    payload = bundle.make_payload({"SP-2026-00001": "valid"}, {key.kid: key}, kid=key.kid,
                                  issued_at=issued, on=issued.date(), hosts=hosts,
                                  tree_head=None, log_key=None)
    out = tmp_path / name
    out.write_bytes(bundle.sign(payload, key.kid, signer))
    jwks = tmp_path / f"{name}.jwks"
    jwks.write_text(json.dumps(to_jwks({key.kid: key})))
    code = sign_mark((key.kid, seed), "SP-2026-00001", dt.date(2026, 1, 1), dt.date(2029, 1, 1))
    return out, str(jwks), code


def test_offline_verdicts_match_the_registry(shangpin: Shangpin,
                                             seeded: dict[str, dict[str, Any]],
                                             tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    made = shangpin("bundle", "--out", str(out), "--json").json()
    assert made["certificates"] >= len(seeded) and made["gzipped_bytes"] < made["bytes"]
    assert out.read_bytes().endswith(b"\n")
    jwks = _jwks(shangpin, tmp_path)
    # The seeded records carry the status the registry shows (what `verify` prints online).
    for shown, record in seeded.items():
        offline = shangpin("verify", record["mark_url"], "--bundle", str(out), "--json",
                           "--trust-jwks", jwks, env=_offline(tmp_path), check=False)
        assert offline.code == 0, offline.err
        answer = offline.json()
        assert (answer["verdict"], answer["status"]) == ("authentic", shown)
        assert answer["key_state"] == "active" and answer["certificate"] == record["number"]
        assert answer["status_as_of"] == made["date"]
        assert answer["bundle"]["stale"] is False and 0 <= answer["bundle"]["age_seconds"] < 600
        assert answer["signer"] == {"kid": made["kid"], "trusted_by": "jwks", "pinned": False}
    assert not (tmp_path / "absent").exists()
    code = seeded["valid"]["mark_url"].rsplit("/", 1)[1]
    forged = code[:-10] + ("A" if code[-10] != "A" else "B") + code[-9:]
    answer = shangpin("verify", forged, "--bundle", str(out), "--json", "--trust-jwks", jwks,
                      env=_offline(tmp_path), check=False)
    assert answer.code == 1 and answer.json()["verdict"] == "forged"
    human = shangpin("verify", seeded["revoked"]["mark_url"], "--bundle", str(out),
                     "--trust-jwks", jwks, "--trust-kid", made["kid"], env=_offline(tmp_path))
    assert "authentic" in human.out and f"revoked (as of {made['date']})" in human.out
    assert f"signed by:   key {made['kid']} (trusted from --trust-jwks, pinned" in human.out
    # With the registry's database at hand, its keys are the anchor.
    local = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(out), "--json")
    assert local.json()["signer"] == {"kid": made["kid"], "trusted_by": "database",
                                      "pinned": False}
    assert "signed by:   key" in shangpin("verify", seeded["valid"]["mark_url"], "--bundle",
                                           str(out)).out


def test_compromised_key_in_a_new_bundle(shangpin: Shangpin, seeded: dict[str, dict[str, Any]],
                                         tmp_path: Path) -> None:
    kid = shangpin("keys", "list", "--json").json()[0]["kid"]
    shangpin("keys", "new")  # the bundle is signed by the newest active key
    shangpin("keys", "compromise", kid, "--reason", "seed leaked")
    out = tmp_path / "bundle.json"
    shangpin("bundle", "--out", str(out))
    answer = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(out), "--json",
                      "--trust-jwks", _jwks(shangpin, tmp_path), env=_offline(tmp_path),
                      check=False)
    assert answer.code == 1
    assert (answer.json()["verdict"], answer.json()["key_state"]) == ("compromised_key",
                                                                     "compromised")


def test_a_changed_byte_is_refused_with_a_clear_error(shangpin: Shangpin,
                                                      seeded: dict[str, dict[str, Any]],
                                                      tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    shangpin("bundle", "--out", str(out))
    jwks = _jwks(shangpin, tmp_path)
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
                          "--trust-jwks", jwks, env=_offline(tmp_path), check=False)
        assert result.code == 2, part
        assert result.err.startswith(f"error: the bundle {bad} is refused:"), result.err
        assert "Traceback" not in result.err and result.out == ""
    missing = shangpin("verify", "X", "--bundle", str(tmp_path / "nope.json"), check=False)
    assert missing.code == 2 and "cannot read the bundle" in missing.err


def test_stale_bundle_exits_3_unless_allowed(shangpin: Shangpin, tmp_path: Path) -> None:
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(days=3, hours=2)
    out, jwks, code = _self_signed(tmp_path, issued)
    args = ("verify", code, "--bundle", str(out), "--trust-jwks", jwks)
    result = shangpin(*args, "--json", env=_offline(tmp_path), check=False)
    assert result.code == 3
    answer = result.json()
    assert answer["bundle"]["stale"] is True and answer["status"] == "valid"
    assert answer["bundle"]["age_seconds"] >= 3 * 86_400
    assert "warning: the bundle is 3 d 2 h old, past its next update" in result.err
    assert "--allow-stale" in result.err
    human = shangpin(*args, env=_offline(tmp_path), check=False)
    assert human.code == 3 and "(STALE)" in human.out and "STALE BUNDLE" in human.out
    allowed = shangpin(*args, "--allow-stale", "--json", env=_offline(tmp_path))
    assert allowed.json()["bundle"]["stale"] is True and "warning:" in allowed.err


def test_max_age_makes_a_younger_bundle_stale(shangpin: Shangpin, tmp_path: Path) -> None:
    issued = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    out, jwks, code = _self_signed(tmp_path, issued)
    args = ("verify", code, "--bundle", str(out), "--trust-jwks", jwks, "--json")
    fresh = shangpin(*args, env=_offline(tmp_path))
    assert fresh.json()["bundle"]["stale"] is False and fresh.err == ""
    assert shangpin(*args, "--max-age", "3h", env=_offline(tmp_path)).code == 0
    old = shangpin(*args, "--max-age", "90m", env=_offline(tmp_path), check=False)
    assert old.code == 3 and old.json()["bundle"]["stale"] is True
    assert "older than --max-age" in old.err
    bad = shangpin(*args, "--max-age", "soon", env=_offline(tmp_path), check=False)
    assert bad.code == 2 and "duration" in bad.err and "Traceback" not in bad.err


def test_a_bundle_needs_a_trust_anchor(shangpin: Shangpin, tmp_path: Path) -> None:
    out, jwks, code = _self_signed(tmp_path, dt.datetime.now(dt.UTC))
    bare = shangpin("verify", code, "--bundle", str(out), env=_offline(tmp_path), check=False)
    assert bare.code == 2 and bare.out == ""
    assert "no trust anchor" in bare.err and "--trust-jwks" in bare.err
    # A key id alone proves nothing: it is 24 bits anyone can match with a key of their own.
    kid = json.loads(out.read_bytes())["kid"]
    pinned = shangpin("verify", code, "--bundle", str(out), "--trust-kid", kid,
                      env=_offline(tmp_path), check=False)
    assert pinned.code == 2 and "a key id alone is no proof" in pinned.err
    assert not (tmp_path / "absent").exists()
    broken = tmp_path / "broken.jwks"
    broken.write_text('{"keys": [{"kty": "RSA"}]}')
    unusable = shangpin("verify", code, "--bundle", str(out), "--trust-jwks", str(broken),
                        env=_offline(tmp_path), check=False)
    assert unusable.code == 2 and "trusted key set" in unusable.err
    assert "Traceback" not in unusable.err
    good = shangpin("verify", code, "--bundle", str(out), "--trust-jwks", jwks,
                    "--trust-kid", kid, env=_offline(tmp_path))
    assert good.code == 0 and f"signed by:   key {kid}" in good.out
    online = shangpin("verify", code, "--trust-jwks", jwks, check=False)
    assert online.code == 2 and "go with --bundle" in online.err


def test_self_signed_and_retired_key_bundles_are_refused(
        shangpin: Shangpin, seeded: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    # A bundle anyone can make: a key of their own, listed as active, vouching for itself.
    out, own_jwks, code = _self_signed(tmp_path, dt.datetime.now(dt.UTC))
    jwks = _jwks(shangpin, tmp_path)
    for anchor in (("--trust-jwks", jwks), ()):
        env = _offline(tmp_path) if anchor else None
        forged = shangpin("verify", code, "--bundle", str(out), *anchor, env=env, check=False)
        kid = json.loads(out.read_bytes())["kid"]
        assert forged.code == 2 and forged.out == ""
        assert f"signed with key '{kid}', which is not a trusted signing key" in forged.err
    # A genuine bundle pinned to another signer.
    genuine = tmp_path / "bundle.json"
    made = shangpin("bundle", "--out", str(genuine), "--json").json()
    other = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(genuine),
                     "--trust-jwks", jwks, "--trust-kid", "00000000", env=_offline(tmp_path),
                     check=False)
    assert other.code == 2 and "not a trusted signing key" in other.err
    # Its signer retired: the registry's keys, and a JWKS fetched since, refuse it.
    shangpin("keys", "new")
    shangpin("keys", "retire", made["kid"])
    retired = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(genuine),
                       check=False)
    assert retired.code == 2 and f"{made['kid']}, which is retired, not active" in retired.err
    later = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(genuine),
                     "--trust-jwks", _jwks(shangpin, tmp_path), env=_offline(tmp_path),
                     check=False)
    assert later.code == 2 and "retired, not active" in later.err
    # A fresh bundle is signed by the new key and verifies again.
    made = shangpin("bundle", "--out", str(genuine), "--json").json()
    assert shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(genuine)).code == 0


def test_empty_hosts_refuse_every_mark_url(shangpin: Shangpin, tmp_path: Path) -> None:
    out, jwks, code = _self_signed(tmp_path, dt.datetime.now(dt.UTC), hosts=())
    for url in (f"HTTPS://X.TEST/V/{code}", f"HTTPS://EVIL.EXAMPLE/V/{code}"):
        answer = shangpin("verify", url, "--bundle", str(out), "--trust-jwks", jwks, "--json",
                          env=_offline(tmp_path), check=False)
        assert answer.code == 1 and answer.json()["verdict"] == "malformed"
        assert "unknown host" in answer.json()["reason"]
    bare = shangpin("verify", code, "--bundle", str(out), "--trust-jwks", jwks, "--json",
                    env=_offline(tmp_path))
    assert bare.json()["status"] == "valid"


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
    loaded = bundle.verify_bundle(out.read_bytes(), from_jwks(json.loads(
        shangpin("keys", "jwks").out)))
    assert loaded.tree_head is not None and loaded.tree_head.size == size + 1
    assert loaded.statuses[number].value == "suspended" and loaded.log_key is not None
    answer = shangpin("verify", seeded["valid"]["mark_url"], "--bundle", str(out), "--json",
                      "--trust-jwks", _jwks(shangpin, tmp_path), env=_offline(tmp_path)).json()
    assert answer["status"] == "suspended"
    assert answer["bundle"]["tree_head"]["size"] == size + 1
    assert answer["bundle"]["tree_head"]["root_hash"] == loaded.tree_head.root_hash.hex()
