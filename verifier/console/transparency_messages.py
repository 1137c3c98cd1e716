"""The transparency log pages' texts. Chinese first; merged into the console catalogue."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "console.log.title": {"zh": "透明日志", "en": "Transparency log"},
    "console.log.intro": {
        "zh": "每一次证书状态变更和签名密钥事件都写入只追加的透明日志。系统按计划为日志签发"
              "树头；需要时也可以立即签发一个。",
        "en": "Every certificate status change and signing-key event is written to the "
              "append-only transparency log. Tree heads are signed on a schedule; you can "
              "also sign one now.",
    },
    "console.log.size": {"zh": "当前日志共 {size} 条记录", "en": "The log holds {size} entries"},
    "console.log.key": {"zh": "日志公钥", "en": "Log public key"},
    "console.log.no_key": {"zh": "尚未签发树头，日志密钥将在首次签发时生成。",
                           "en": "No tree head yet: the log key is made with the first one."},
    "console.log.sign": {"zh": "立即签发树头", "en": "Sign a tree head now"},
    "console.log.signed": {"zh": "已签发新的树头。", "en": "A new tree head was signed."},
    "console.log.heads": {"zh": "最近签发的树头", "en": "Latest signed tree heads"},
    "console.log.none": {"zh": "还没有签发过树头。", "en": "No tree head has been signed yet."},
    "console.log.col.size": {"zh": "记录数", "en": "Entries"},
    "console.log.col.root": {"zh": "根哈希", "en": "Root hash"},
    "console.log.col.time": {"zh": "签发时间", "en": "Signed at"},
    "console.log.col.kid": {"zh": "密钥", "en": "Key"},
    "console.log.unavailable": {
        "zh": "无法签发树头：未配置或无法解锁密钥口令（SHANGPIN_KEY_PASSPHRASE）。",
        "en": "Cannot sign a tree head: SHANGPIN_KEY_PASSPHRASE is not set or does not "
              "unlock the log key.",
    },
}
