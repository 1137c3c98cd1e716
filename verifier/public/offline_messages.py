"""The offline verification page's texts. Chinese first; merged into ``i18n.MESSAGES``.

Texts with ``{name}`` holes are filled in by the page's script (offline.js), which shows
them after the page itself may have come from the browser's cache.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "offline.title": {"zh": "离线验真", "en": "Offline verification"},
    "start.offline": {
        "zh": "离线验真（供无网络环境下的检查人员使用）",
        "en": "Offline verification, for inspectors without a network",
    },
    "offline.intro": {
        "zh": "联网时加载一次验真数据包，之后没有网络也能在本页核验标志："
              "签名、密钥状态和证书状态均在本机核对。",
        "en": "Load the verification bundle once while online; after that this page checks"
              " marks with no network: the signature, the key's state and the certificate's"
              " status are all checked on this device.",
    },
    "offline.bundle.heading": {"zh": "验真数据包", "en": "Verification bundle"},
    "offline.bundle.none": {
        "zh": "尚未加载数据包。请在联网时点击下方按钮加载。",
        "en": "No bundle is loaded yet. Load one below while online.",
    },
    "offline.bundle.loaded": {
        "zh": "已加载：{count} 张证书，状态日期 {date}，签发于 {issued}（{age}前）。",
        "en": "Loaded: {count} certificates, statuses as of {date}, issued {issued} ({age} ago).",
    },
    "offline.bundle.head": {
        "zh": "对应透明日志树头：{size} 条记录，{time}。",
        "en": "Reflects the transparency log's tree head of {size} entries, {time}.",
    },
    "offline.bundle.nohead": {
        "zh": "数据包未包含透明日志树头。",
        "en": "The bundle names no transparency log tree head.",
    },
    "offline.bundle.stale": {
        "zh": "数据包已过期（应于 {next} 前更新），证书状态可能已经变化，请联网后重新加载。",
        "en": "The bundle is out of date (due for renewal by {next}); statuses may have"
              " changed since. Load a fresh one when online.",
    },
    "offline.bundle.signer": {
        "zh": "签名密钥：{kid}（本网站公布的在用密钥）。",
        "en": "Signed by key {kid}, an active key this site publishes.",
    },
    "offline.bundle.older": {
        "zh": "已拒绝：该数据包签发于 {issued}，早于正在使用的数据包（签发于 {held}），"
              "其中的证书状态可能已被之后的暂停或撤销取代。",
        "en": "Refused: this bundle was issued {issued}, before the one in use (issued"
              " {held}); a suspension or revocation since would be missing from it.",
    },
    "offline.bundle.fetch": {"zh": "从验真网站加载最新数据包", "en": "Load the latest bundle"},
    "offline.bundle.file": {"zh": "或选择数据包文件：", "en": "Or choose a bundle file:"},
    "offline.bundle.refused": {
        "zh": "数据包未通过校验，已拒绝：{reason}",
        "en": "The bundle failed its checks and was refused: {reason}",
    },
    "offline.bundle.unreachable": {
        "zh": "无法获取数据包（可能没有网络）。已保存的数据包仍然可用。",
        "en": "The bundle could not be fetched (no network?). A saved bundle still works.",
    },
    "offline.bundle.unsupported": {
        "zh": "此浏览器不支持 Ed25519 签名校验，无法离线验真。",
        "en": "This browser cannot check Ed25519 signatures, so it cannot verify offline.",
    },
    "offline.bundle.unsaved": {
        "zh": "数据包可用，但无法保存到本机（存储空间不足或被禁用），关闭页面后需重新加载。",
        "en": "The bundle works but could not be saved on this device (storage full or"
              " disabled); load it again after closing the page.",
    },
    "offline.verdict.stale": {
        "zh": "数据包已过期（签发于 {age}前），此结果可能已不是最新状态，请联网后重新加载数据包。",
        "en": "Stale bundle ({age} old): this result may no longer be current. Load a fresh"
              " bundle when online.",
    },
    "offline.verify.label": {"zh": "标志码或扫码得到的网址", "en": "Mark code or scanned URL"},
    "offline.verify.submit": {"zh": "核验", "en": "Verify"},
    "offline.verify.needbundle": {
        "zh": "请先加载验真数据包。",
        "en": "Load a verification bundle first.",
    },
    "offline.result.certificate": {"zh": "证书编号：{number}", "en": "Certificate: {number}"},
    "offline.result.unit": {"zh": "单品序号：{serial}", "en": "Unit serial: {serial}"},
    "offline.result.validity": {
        "zh": "标志有效期：{start} 至 {end}",
        "en": "Mark validity: {start} to {end}",
    },
    "offline.result.asof": {
        "zh": "证书状态以数据包日期 {date} 为准。",
        "en": "Certificate status as of the bundle's date, {date}.",
    },
    "offline.result.key": {"zh": "签名密钥 {kid}：{state}", "en": "Signing key {kid}: {state}"},
    "offline.key.active": {"zh": "使用中", "en": "active"},
    "offline.key.retired": {"zh": "已停用（仍可验证）", "en": "retired (still verifies)"},
    "offline.key.compromised": {"zh": "已泄露", "en": "compromised"},
    "offline.age.minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "offline.age.hours": {"zh": "{n} 小时", "en": "{n} h"},
    "offline.age.days": {"zh": "{n} 天", "en": "{n} days"},
    "offline.saved": {
        "zh": "本页可离线使用：断网后直接打开本网址即可。",
        "en": "This page works offline: open this address again with no network.",
    },
}
