"""What the public pages say about the transparency log.

Chinese first; merged into ``i18n.MESSAGES``.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "log.title": {"zh": "透明日志记录", "en": "Transparency log entries"},
    "log.intro": {
        "zh": "以上每一次状态变更都已写入公开的只追加透明日志。任何人都可以用包含证明核对"
              "该记录确实在日志中，且从未被改写。",
        "en": "Every status change above is written to a public, append-only transparency "
              "log. Anyone can check with an inclusion proof that the record is in the log "
              "and has never been rewritten.",
    },
    "log.entry": {"zh": "日志第 {index} 条", "en": "Log entry {index}"},
    "log.proof": {"zh": "包含证明", "en": "Inclusion proof"},
    "log.pending": {"zh": "待下一次签名树头后可查证明",
                    "en": "Proof available after the next signed tree head"},
    "log.tree_size": {"zh": "依据已签名树头（共 {size} 条记录）",
                      "en": "Against the signed tree head of {size} entries"},
}
