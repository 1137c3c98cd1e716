/* Offline verification: check a signed bundle and mark codes in the browser.
 *
 * The rules are those of issuer/bundle.py (the bundle, docs/offline.md) and
 * issuer/verification.py with issuer/payload.py (a code, docs/mark-format.md);
 * signatures are checked with WebCrypto's Ed25519. Every text shown comes from the
 * page's data block and is set with textContent, never as HTML.
 *
 * A bundle is accepted only when signed by a key of the trust anchor the server wrote
 * into the page (its JWKS, "trust" in the data block) that is active there: a bundle's
 * own key list cannot vouch for the bundle.
 */
(function () {
  "use strict";

  var enc = new TextEncoder();
  var MARK_CONTEXT = enc.encode("shangpin/mark/v1\u0000");
  var BUNDLE_CONTEXT = enc.encode("shangpin/offline-bundle/v1\u0000");
  var HEAD_CONTEXT = enc.encode("shangpin/log/tree-head/v1\u0000");
  var STATUS_CODES = { 1: "valid", 2: "suspended", 3: "expired", 4: "terminated", 5: "revoked",
    6: "publicity" };
  var KEY_STATES = ["active", "retired", "compromised"];
  var NUMBER = /^[A-Z0-9][A-Z0-9-]{2,31}$/;
  var B64URL = /^[A-Za-z0-9_-]*$/;
  var B32 = /^[A-Z2-7]+$/;
  var B32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  var ENVELOPE = ["alg", "bundle", "kid", "signature"];
  var PAYLOAD = ["date", "hosts", "issued_at", "keys", "kid", "log_key", "next_update",
    "statuses", "tree_head", "v"];
  var MAX_SERIAL = (1n << 63n) - 1n;
  var STORAGE_KEY = "shangpin.offline.bundle";
  var MAX_FILE = 64 * 1024 * 1024;  // issuer.bundle.MAX_FILE

  function BundleError(message) { this.message = message; }
  function CodeError(verdict, message, payload) {
    this.verdict = verdict; this.message = message; this.payload = payload || null;
  }

  // --- bytes ---------------------------------------------------------------------------

  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), at = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
    return out;
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function b64url(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  /* Strict unpadded base64url: one spelling per byte string, as issuer.bundle reads it. */
  function b64urlDecode(text, what) {
    if (typeof text !== "string" || !B64URL.test(text) || text.length % 4 === 1) {
      throw new BundleError(what + " is not unpadded base64url");
    }
    var padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    if (b64url(bytes) !== text) throw new BundleError(what + " is not in canonical base64url form");
    return bytes;
  }

  function b32encode(bytes) {
    var out = "", bits = 0, value = 0;
    for (var i = 0; i < bytes.length; i++) {
      value = (value << 8) | bytes[i]; bits += 8;
      while (bits >= 5) { out += B32_ALPHABET[(value >>> (bits - 5)) & 31]; bits -= 5; }
      value &= (1 << bits) - 1;
    }
    if (bits > 0) out += B32_ALPHABET[(value << (5 - bits)) & 31];
    return out;
  }

  /* issuer.payload.b32decode: upper case, no padding, and the only spelling of its bytes. */
  function b32decode(text) {
    if (!text) throw new CodeError("malformed", "the code is empty");
    if (!B32.test(text)) throw new CodeError("malformed", "a code is upper-case base32 (A-Z, 2-7)");
    if ([1, 3, 6].indexOf(text.length % 8) >= 0) {
      throw new CodeError("malformed", "code has an impossible base32 length");
    }
    var out = new Uint8Array(Math.floor(text.length * 5 / 8)), bits = 0, value = 0, at = 0;
    for (var i = 0; i < text.length; i++) {
      value = (value << 5) | B32_ALPHABET.indexOf(text[i]); bits += 5;
      if (bits >= 8) { out[at++] = (value >>> (bits - 8)) & 255; bits -= 8; }
      value &= (1 << bits) - 1;
    }
    if (b32encode(out) !== text) throw new CodeError("malformed", "code is not in canonical base32 form");
    return out;
  }

  function crc8(bytes) {
    var crc = 0;
    for (var i = 0; i < bytes.length; i++) {
      crc ^= bytes[i];
      for (var j = 0; j < 8; j++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  }

  function kidWellFormed(kid) { return kid.length === 4 && crc8(kid.subarray(0, 3)) === kid[3]; }

  async function makeKid(publicKey) {
    var digest = new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey));
    var body = digest.subarray(0, 3);
    return hex(concat(body, new Uint8Array([crc8(body)])));
  }

  var importedKeys = new Map();

  async function ed25519Verify(publicKey, signature, message) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      var id = b64url(publicKey), key = importedKeys.get(id);
      if (!key) {
        key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
        importedKeys.set(id, key);
      }
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
    } catch (error) {
      return false;
    }
  }

  // --- the bundle (issuer/bundle.py) ---------------------------------------------------

  function sortedKeys(object) { return Object.keys(object).sort(); }

  function sameList(a, b) { return a.length === b.length && a.every(function (v, i) { return v === b[i]; }); }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  /* issuer.keys.from_jwks; ``whose`` names the set in messages. */
  async function fromJwks(keySet, whose) {
    var unusable = (whose || "the bundle's key set") + " is unusable: ";
    var entries = isObject(keySet) ? keySet.keys : undefined;
    if (!Array.isArray(entries)) throw new BundleError(unusable + "no keys list");
    var keys = new Map();
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      if (!isObject(entry) || entry.kty !== "OKP" || entry.crv !== "Ed25519") {
        throw new BundleError(unusable + "only OKP/Ed25519 keys");
      }
      var kid = entry.kid, x = entry.x;
      if (typeof kid !== "string" || typeof x !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(x)) {
        throw new BundleError(unusable + "malformed JWK");
      }
      var publicKey = b64urlDecode(x, "a key's x");
      if (kid !== await makeKid(publicKey)) {
        throw new BundleError(unusable + "key " + kid + " does not match its id");
      }
      if (keys.has(kid)) throw new BundleError(unusable + "key " + kid + " twice");
      var state = "state" in entry ? entry.state : "active";
      if (KEY_STATES.indexOf(state) < 0) throw new BundleError(unusable + "bad state");
      keys.set(kid, { kid: kid, publicKey: publicKey, state: state });
    }
    return keys;
  }

  function decodeStatuses(value) {
    if (!isObject(value) || !sameList(sortedKeys(value), ["codes", "count", "numbers"])) {
      throw new BundleError("the status table has exactly the members codes, count, numbers");
    }
    var count = value.count;
    if (!Number.isSafeInteger(count) || typeof value.numbers !== "string" || typeof value.codes !== "string") {
      throw new BundleError("the status table's count is an integer and its tables text");
    }
    var numbers = b64urlDecode(value.numbers, "numbers"), codes = b64urlDecode(value.codes, "codes");
    var bad = function (why) { return new BundleError("the status table is malformed: " + why); };
    if (count < 0 || codes.length !== Math.floor((count + 1) / 2)) throw bad("wrong number of code bytes");
    if (count % 2 && codes[codes.length - 1] & 0x0f) throw bad("the padding half-byte is not zero");
    var table = new Map(), previous = "", offset = 0;
    for (var i = 0; i < count; i++) {
      if (offset + 2 > numbers.length) throw bad("the numbers end early");
      var shared = numbers[offset], rest = numbers[offset + 1];
      offset += 2;
      if (shared > previous.length || rest === 0 || shared + rest > 32) throw bad("impossible lengths");
      if (offset + rest > numbers.length) throw bad("a number is truncated");
      var suffix = "";
      for (var j = offset; j < offset + rest; j++) {
        if (numbers[j] > 127) throw bad("a number is not ASCII");
        suffix += String.fromCharCode(numbers[j]);
      }
      offset += rest;
      if (shared < previous.length && suffix.charCodeAt(0) === previous.charCodeAt(shared)) {
        throw bad("not the longest prefix");
      }
      // ASCII only, so comparing strings compares the bytes.
      var number = previous.slice(0, shared) + suffix;
      if (number <= previous) throw bad("numbers out of order");
      if (!NUMBER.test(number)) throw bad(number + " is not a certificate number");
      var code = (codes[i >> 1] >> (i % 2 ? 0 : 4)) & 0x0f;
      if (!STATUS_CODES[code]) throw bad("unknown status code " + code);
      table.set(number, STATUS_CODES[code]);
      previous = number;
    }
    if (offset !== numbers.length) throw bad("bytes follow the last number");
    return table;
  }

  function treeHeadBytes(size, timestampMs, rootHash) {
    var out = new Uint8Array(49), view = new DataView(out.buffer);
    view.setUint8(0, 1);
    view.setBigUint64(1, BigInt(size));
    view.setBigUint64(9, BigInt(timestampMs));
    out.set(rootHash, 17);
    return out;
  }

  async function readLog(body) {
    var head = body.tree_head, key = body.log_key;
    if (head === null && key === null) return { head: null, key: null };
    if (head === null || typeof key !== "string") {
      throw new BundleError("a tree head comes with the log key that checks it");
    }
    var logKey = b64urlDecode(key, "log_key");
    if (!isObject(head) || !sameList(sortedKeys(head), ["kid", "root_hash", "signature", "timestamp_ms",
      "tree_size"])) {
      throw new BundleError("a tree head has exactly the members kid, root_hash, signature, timestamp_ms,"
        + " tree_size");
    }
    if (!Number.isSafeInteger(head.tree_size) || head.tree_size < 0 || !Number.isSafeInteger(head.timestamp_ms)
        || head.timestamp_ms < 0) {
      throw new BundleError("a tree head's tree_size and timestamp_ms are integers");
    }
    if (typeof head.kid !== "string" || !/^[0-9a-f]{8}$/.test(head.kid)) {
      throw new BundleError("a tree head's kid is 8 hexadecimal digits");
    }
    var root = b64urlDecode(head.root_hash, "root_hash");
    var signature = b64urlDecode(head.signature, "the head's signature");
    if (root.length !== 32 || signature.length !== 64) throw new BundleError("malformed tree head");
    if (head.kid !== await makeKid(logKey)) {
      throw new BundleError("the tree head names a different log key than the bundle holds");
    }
    var encoded = treeHeadBytes(head.tree_size, head.timestamp_ms, root);
    if (!await ed25519Verify(logKey, signature, concat(HEAD_CONTEXT, encoded))) {
      throw new BundleError("the signature on the tree head of size " + head.tree_size
        + " does not verify under the log's public key");
    }
    return { head: { size: head.tree_size, time: new Date(head.timestamp_ms), rootHash: hex(root) },
      key: logKey };
  }

  function utcMoment(text, name) {
    if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) {
      throw new BundleError(name + " is not a UTC timestamp");
    }
    return new Date(text);
  }

  function canonicalEnvelope(envelope) {
    return "{" + ENVELOPE.map(function (name) {
      return JSON.stringify(name) + ":" + JSON.stringify(envelope[name]);
    }).join(",") + "}\n";
  }

  /* issuer.bundle.trusted_signer: the anchor's key ``kid``, if it may sign bundles. */
  function trustedSigner(trusted, kid) {
    var key = trusted instanceof Map ? trusted.get(kid) : undefined;
    if (!key) throw new BundleError("signed with key " + kid + ", which is not a trusted signing key");
    if (key.state === "compromised") {
      throw new BundleError("signed with key " + kid + ", which has been reported compromised");
    }
    if (key.state !== "active") {
      throw new BundleError("signed with key " + kid + ", which is " + key.state + ", not active");
    }
    return key;
  }

  /* Check a bundle file, given as its bytes, against the trusted keys (a Map from
   * fromJwks); resolve to the bundle or throw BundleError. */
  async function verifyBundle(bytes, trusted) {
    var text, envelope;
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
      envelope = JSON.parse(text);
    } catch (error) {
      throw new BundleError("the file is not a bundle: not UTF-8 JSON");
    }
    if (!isObject(envelope) || !sameList(sortedKeys(envelope), ENVELOPE)) {
      throw new BundleError("the file is not a bundle: it must have exactly " + ENVELOPE.join(", "));
    }
    if (!ENVELOPE.every(function (name) { return typeof envelope[name] === "string"; })) {
      throw new BundleError("the bundle's alg, bundle, kid and signature are text");
    }
    if (canonicalEnvelope(envelope) !== text) {
      throw new BundleError("the file has been changed: it is not the one spelling of a bundle");
    }
    if (envelope.alg !== "EdDSA") throw new BundleError("unsupported algorithm " + envelope.alg);
    var payload = b64urlDecode(envelope.bundle, "the bundle");
    var signature = b64urlDecode(envelope.signature, "the signature");
    var kid = envelope.kid, anchor = trustedSigner(trusted, kid);
    if (!await ed25519Verify(anchor.publicKey, signature, concat(BUNDLE_CONTEXT, payload))) {
      throw new BundleError("the signature does not match: the bundle has been changed");
    }
    // Signed bytes only from here on.
    var body;
    try {
      body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(payload));
    } catch (error) {
      throw new BundleError("the bundle's payload is not UTF-8 JSON");
    }
    if (!isObject(body)) throw new BundleError("the bundle's payload is not a JSON object");
    var keys = await fromJwks(body.keys), listed = keys.get(kid);
    if (!listed || b64url(listed.publicKey) !== b64url(anchor.publicKey) || listed.state !== "active") {
      throw new BundleError("the bundle does not list its signing key " + kid
        + " as the active key the trust anchor holds");
    }
    if (!sameList(sortedKeys(body), PAYLOAD) || body.v !== 1) throw new BundleError("not a version 1 bundle");
    if (body.kid !== kid || !/^[0-9a-f]{8}$/.test(kid)) {
      throw new BundleError("the payload names a different key than the envelope");
    }
    if (!Array.isArray(body.hosts) || !body.hosts.every(function (h) { return typeof h === "string"; })) {
      throw new BundleError("the bundle's hosts are a list of names");
    }
    if (typeof body.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(body.date)) {
      throw new BundleError("the bundle's date is not a date");
    }
    var log = await readLog(body);
    return {
      kid: kid, issuedAt: utcMoment(body.issued_at, "issued_at"),
      nextUpdate: utcMoment(body.next_update, "next_update"), date: body.date,
      hosts: body.hosts, keys: keys, statuses: decodeStatuses(body.statuses),
      treeHead: log.head, logKey: log.key
    };
  }

  // --- a code (issuer/urls.py, issuer/payload.py, issuer/verification.py) ---------------

  /* Python's str.strip(): its whitespace, which is not quite JavaScript's trim(). */
  var SPACE = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var EDGE_SPACE = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");

  function extractCode(text, hosts) {
    text = text.replace(EDGE_SPACE, "");
    if (!/^[\x00-\x7f]*$/.test(text)) {
      throw new CodeError("malformed", "not a mark code: it contains non-ASCII characters");
    }
    if (text.indexOf("/") < 0 && text.indexOf(":") < 0) return text;
    if (text.slice(0, 8).toUpperCase() !== "HTTPS://") {
      throw new CodeError("malformed", "not a mark URL: it must start with HTTPS://");
    }
    var rest = text.slice(8), slash = rest.indexOf("/");
    var host = slash < 0 ? rest : rest.slice(0, slash), path = slash < 0 ? "" : rest.slice(slash + 1);
    if (slash < 0 || !host) throw new CodeError("malformed", "not a mark URL: no host or path");
    // A bundle listing no host accepts no mark URL (issuer.bundle.check).
    if (hosts.map(function (h) { return h.toUpperCase(); }).indexOf(host.toUpperCase()) < 0) {
      throw new CodeError("malformed", "not a mark URL of this scheme: unknown host " + host);
    }
    if (("/" + path).indexOf("/V/") !== 0) throw new CodeError("malformed", "the path must be /V/<code>");
    var code = path.slice(2);
    if (!code) throw new CodeError("malformed", "the mark URL carries no code");
    return code;
  }

  function decodeVarint(data, offset) {
    var value = 0n, shift = 0n, start = offset, byte;
    for (;;) {
      if (offset >= data.length) throw new CodeError("malformed", "unit serial is truncated");
      byte = data[offset++];
      value |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (!(byte & 0x80)) break;
      if (shift > 63n) throw new CodeError("malformed", "unit serial is too long");
    }
    if (offset - start > 1 && data[offset - 1] === 0) {
      throw new CodeError("malformed", "unit serial is not minimally encoded");
    }
    return [value, offset];
  }

  function day(days) {
    return new Date(days * 86400000).toISOString().slice(0, 10);
  }

  function decodePayload(data) {
    if (data.length < 11 + 64) throw new CodeError("malformed", "code is too short");
    var view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    var version = data[0], flags = data[1], kid = data.subarray(2, 6);
    var fromDays = view.getUint16(6), untilDays = view.getUint16(8), length = data[10];
    if (version !== 1) throw new CodeError("malformed", "unsupported mark format version " + version);
    if (flags & ~1) throw new CodeError("malformed", "code sets unknown flags");
    if (!kidWellFormed(kid)) throw new CodeError("malformed", "key id is not well formed");
    var offset = 11, numberBytes = data.subarray(offset, offset + length);
    offset += length;
    for (var i = 0; i < numberBytes.length; i++) {
      if (numberBytes[i] > 127) throw new CodeError("malformed", "certificate number is not ASCII");
    }
    var number = new TextDecoder("ascii").decode(numberBytes), serial = null;
    if (flags & 1) {
      var read = decodeVarint(data, offset);
      serial = read[0]; offset = read[1];
    }
    if (data.length - offset !== 64) throw new CodeError("malformed", "code length does not match its contents");
    if (!NUMBER.test(number)) throw new CodeError("malformed", "certificate number must be 3-32 characters");
    if (fromDays > untilDays) throw new CodeError("malformed", "validity dates are out of order");
    if (serial !== null && (serial < 1n || serial > MAX_SERIAL)) {
      throw new CodeError("malformed", "unit serial must be between 1 and 2**63-1");
    }
    return {
      payload: { kid: hex(kid), certificateNumber: number, validFrom: day(fromDays),
        validUntil: day(untilDays), unitSerial: serial === null ? null : serial.toString() },
      body: data.subarray(0, offset), signature: data.subarray(offset)
    };
  }

  async function checkSignedCode(text, keys, hosts) {
    var mark = decodePayload(b32decode(extractCode(text, hosts)));
    var payload = mark.payload, key = keys.get(payload.kid);
    if (!key) {
      throw new CodeError("unknown_key", "the code names key " + payload.kid
        + ", which is not a known signing key", payload);
    }
    if (!await ed25519Verify(key.publicKey, mark.signature, concat(MARK_CONTEXT, mark.body))) {
      throw new CodeError("forged", "the signature does not match: this code was not issued by the alliance",
        payload);
    }
    if (key.state === "compromised") {
      throw new CodeError("compromised_key", "the code was signed with key " + key.kid
        + ", which has been reported compromised", payload);
    }
    return payload;
  }

  /* issuer.bundle.check: the verdict, and the status the scan page would show. */
  async function checkCode(bundle, text) {
    var verdict = "authentic", reason = null, payload = null;
    try {
      payload = await checkSignedCode(text, bundle.keys, bundle.hosts);
    } catch (error) {
      if (!(error instanceof CodeError)) throw error;
      verdict = error.verdict; reason = error.message; payload = error.payload;
    }
    var key = payload ? bundle.keys.get(payload.kid) : null;
    var status;
    if (verdict === "malformed") status = "malformed";
    else if (verdict === "forged" || verdict === "unknown_key") status = "forged";
    else if (verdict === "compromised_key") status = "compromised_key";
    else status = bundle.statuses.get(payload.certificateNumber) || "unknown_certificate";
    return { verdict: verdict, status: status, reason: reason, payload: payload,
      keyState: key ? key.state : null };
  }

  // --- the page ------------------------------------------------------------------------

  var root = document.getElementById("offline");
  var data = root ? JSON.parse(document.getElementById("offline-data").textContent) : {};
  var texts = data.texts || {}, looks = data.looks || {};
  var current = null, trusted = null;

  /* The keys the page was served with, read once: the anchor every bundle is held to. */
  function pinned() {
    if (!trusted) trusted = fromJwks(data.trust, "the page's trusted key set");
    return trusted;
  }

  window.ShangpinOffline = { verifyBundle: verifyBundle, checkCode: checkCode, BundleError: BundleError,
    readKeySet: fromJwks, pinned: pinned };
  if (!root) return;

  function t(key, values) {
    var text = texts[key] || key;
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  }

  function show(id, text) {
    var element = document.getElementById(id);
    element.textContent = text || "";
    element.hidden = !text;
  }

  var shanghai = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });

  function moment(date) { return shanghai.format(date); }

  function age(milliseconds) {
    var minutes = Math.max(0, Math.floor(milliseconds / 60000));
    if (minutes < 120) return t("offline.age.minutes", { n: minutes });
    if (minutes < 48 * 60) return t("offline.age.hours", { n: Math.floor(minutes / 60) });
    return t("offline.age.days", { n: Math.floor(minutes / 1440) });
  }

  function isStale(bundle) { return Date.now() >= bundle.nextUpdate.getTime(); }

  function showBundle(bundle) {
    var now = Date.now(), section = document.getElementById("bundle");
    section.dataset.state = isStale(bundle) ? "stale" : "loaded";
    section.dataset.certificates = String(bundle.statuses.size);
    section.dataset.signer = bundle.kid;
    section.dataset.issued = bundle.issuedAt.toISOString();
    show("bundle-signer", t("offline.bundle.signer", { kid: bundle.kid }));
    show("bundle-status", t("offline.bundle.loaded", { count: bundle.statuses.size, date: bundle.date,
      issued: moment(bundle.issuedAt), age: age(now - bundle.issuedAt.getTime()) }));
    show("bundle-head", bundle.treeHead
      ? t("offline.bundle.head", { size: bundle.treeHead.size, time: moment(bundle.treeHead.time) })
      : t("offline.bundle.nohead"));
    show("bundle-stale", section.dataset.state === "stale"
      ? t("offline.bundle.stale", { next: moment(bundle.nextUpdate) }) : "");
  }

  function refuse(message) {
    show("bundle-error", message);
    document.getElementById("bundle").dataset.refused = "yes";
  }

  async function accept(bytes, save) {
    var bundle;
    try {
      bundle = await verifyBundle(bytes, await pinned());
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      refuse(t("offline.bundle.refused", { reason: error.message }));
      return;  // a bundle held before stays in use
    }
    if (current && bundle.issuedAt.getTime() < current.issuedAt.getTime()) {
      // An older bundle may predate a suspension or revocation the held one shows.
      refuse(t("offline.bundle.older", { issued: moment(bundle.issuedAt), held: moment(current.issuedAt) }));
      return;
    }
    current = bundle;
    show("bundle-error", "");
    document.getElementById("bundle").dataset.refused = "no";
    showBundle(bundle);
    if (save) {
      try {
        localStorage.setItem(STORAGE_KEY, new TextDecoder().decode(bytes));
      } catch (error) {
        show("bundle-error", t("offline.bundle.unsaved"));
      }
    }
  }

  async function fetchBundle() {
    var response;
    try {
      response = await fetch("/offline/bundle.json", { cache: "no-store" });
    } catch (error) {
      show("bundle-error", t("offline.bundle.unreachable"));
      return;
    }
    if (!response.ok) {
      show("bundle-error", t("offline.bundle.unreachable"));
      return;
    }
    await accept(new Uint8Array(await response.arrayBuffer()), true);
  }

  function detail(list, text) {
    var item = document.createElement("li");
    item.textContent = text;
    list.appendChild(item);
  }

  function showResult(result) {
    var look = looks[result.status] || looks.malformed;
    var stale = isStale(current), css = look.css, sign = look.symbol;
    // A stale bundle's "valid" is not a plain green valid: it may have changed since.
    if (stale && css === "verdict-good") { css = "verdict-warn"; sign = "!"; }
    var box = document.getElementById("result");
    box.textContent = "";
    var banner = document.createElement("section");
    banner.className = "verdict " + css + (stale ? " verdict-stale" : "");
    banner.dataset.stale = stale ? "yes" : "no";
    banner.dataset.status = result.status;
    banner.dataset.verdict = result.verdict;
    banner.setAttribute("role", "status");
    var symbol = document.createElement("span");
    symbol.className = "verdict-symbol";
    symbol.setAttribute("aria-hidden", "true");
    symbol.textContent = sign;
    var title = document.createElement("h2");
    title.className = "verdict-title";
    title.textContent = t("verdict." + result.status + ".title");
    var explain = document.createElement("p");
    explain.className = "verdict-explain";
    explain.textContent = t("verdict." + result.status + ".explain");
    banner.append(symbol, title, explain);
    if (stale) {
      var note = document.createElement("p");
      note.className = "verdict-stale-note";
      note.textContent = t("offline.verdict.stale", { age: age(Date.now() - current.issuedAt.getTime()) });
      banner.appendChild(note);
    }
    box.appendChild(banner);
    var list = document.createElement("ul");
    list.className = "offline-details";
    var payload = result.payload;
    if (payload) {
      detail(list, t("offline.result.certificate", { number: payload.certificateNumber }));
      if (payload.unitSerial) detail(list, t("offline.result.unit", { serial: payload.unitSerial }));
      detail(list, t("offline.result.validity", { start: payload.validFrom, end: payload.validUntil }));
      if (result.keyState) {
        detail(list, t("offline.result.key", { kid: payload.kid, state: t("offline.key." + result.keyState) }));
      }
    }
    if (result.verdict === "authentic") detail(list, t("offline.result.asof", { date: current.date }));
    box.appendChild(list);
    box.hidden = false;
  }

  async function onVerify(event) {
    event.preventDefault();
    if (!current) {
      show("bundle-error", t("offline.verify.needbundle"));
      return;
    }
    showResult(await checkCode(current, document.getElementById("code").value));
  }

  async function supportsEd25519() {
    try {
      await crypto.subtle.importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"]);
      return true;
    } catch (error) {
      return error && error.name !== "NotSupportedError";
    }
  }

  async function start() {
    document.getElementById("verify-form").addEventListener("submit", onVerify);
    document.getElementById("bundle-fetch").addEventListener("click", fetchBundle);
    document.getElementById("bundle-file").addEventListener("change", async function (event) {
      var file = event.target.files && event.target.files[0];
      if (!file) return;
      if (file.size > MAX_FILE) {
        show("bundle-error", t("offline.bundle.refused", { reason: "larger than any bundle" }));
        return;
      }
      await accept(new Uint8Array(await file.arrayBuffer()), true);
    });
    if (!window.crypto || !crypto.subtle || !await supportsEd25519()) {
      show("bundle-error", t("offline.bundle.unsupported"));
    } else {
      try {
        await pinned();
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        show("bundle-error", t("offline.bundle.refused", { reason: error.message }));
      }
      var saved = null;
      try { saved = localStorage.getItem(STORAGE_KEY); } catch (error) { saved = null; }
      if (saved) await accept(enc.encode(saved), false);
    }
    root.dataset.ready = "yes";
    if ("serviceWorker" in navigator) {
      var controlled = function () {
        if (navigator.serviceWorker.controller) root.dataset.controlled = "yes";
      };
      navigator.serviceWorker.addEventListener("controllerchange", controlled);
      controlled();
      try {
        await navigator.serviceWorker.register("/offline/sw.js", { scope: "/offline" });
        await navigator.serviceWorker.ready;
        document.getElementById("offline-saved").hidden = false;
        root.dataset.worker = "ready";
      } catch (error) {
        root.dataset.worker = "failed";
      }
    }
  }

  start();
})();
