"""What the public certificate page says of a holder's credit file.

Chinese first; merged into ``i18n.MESSAGES``.

The event, severity and grade names are also used by the console, whose catalogue
falls back to this one.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "credit.title": {"zh": "获证主体信用信息", "en": "The holder's credit record"},
    "credit.intro": {
        "zh": "依据获证主体信用档案动态评价。不良记录在规定期限内无新的不良记录后予以信用修复，"
              "修复后不再公示。",
        "en": "A dynamic rating from the holder's credit file. An adverse record is repaired "
              "once the holder has gone a set period without a new one, and is no longer "
              "published after repair.",
    },
    "credit.grade": {"zh": "信用等级", "en": "Credit grade"},
    "credit.grade.A": {"zh": "A 级 · 守信", "en": "A · In good standing"},
    "credit.grade.B": {"zh": "B 级 · 基本守信", "en": "B · Minor lapses"},
    "credit.grade.C": {"zh": "C 级 · 失信警示", "en": "C · Under warning"},
    "credit.grade.D": {"zh": "D 级 · 严重失信", "en": "D · Seriously untrustworthy"},
    "credit.events": {"zh": "公示中的不良记录", "en": "Adverse records published"},
    "credit.none": {"zh": "目前没有公示中的不良记录。", "en": "No adverse record is published."},
    "credit.on_certificate": {"zh": "证书 {number}", "en": "Certificate {number}"},
    "credit.kind.suspension": {"zh": "证书被暂停", "en": "Certificate suspended"},
    "credit.kind.revocation": {"zh": "证书被撤销", "en": "Certificate revoked"},
    "credit.kind.infringement": {
        "zh": "经确认的标志违规使用", "en": "Confirmed misuse of the mark"},
    "credit.kind.surveillance_passed": {"zh": "证后监督通过", "en": "Surveillance passed"},
    "credit.kind.surveillance_failed": {"zh": "证后监督未通过", "en": "Surveillance failed"},
    "credit.kind.surveillance_overdue": {"zh": "证后监督逾期", "en": "Surveillance overdue"},
    "credit.severity.positive": {"zh": "良好", "en": "Positive"},
    "credit.severity.minor": {"zh": "轻微", "en": "Minor"},
    "credit.severity.major": {"zh": "较重", "en": "Major"},
    "credit.severity.severe": {"zh": "严重", "en": "Severe"},
}
