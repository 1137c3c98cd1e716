"""The credit files' console texts. Chinese first; merged into the console catalogue.

Event, severity and grade names come from the public catalogue (``credit.*``).
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "console.credit.title": {"zh": "信用档案", "en": "Credit files"},
    "console.credit.intro": {
        "zh": "每个获证主体一份档案：暂停、撤销、经确认的侵权、证后监督逾期或未通过计入不良记录，"
              "证后监督通过计入良好记录；信用等级据此动态评价。",
        "en": "One file per subject: suspensions, revocations, confirmed infringements and "
              "overdue or failed surveillance are adverse events, a passed surveillance visit "
              "a positive one; the grade is computed from them as they stand today.",
    },
    "console.credit.rules": {
        "zh": "计分：轻微 1 分、较重 3 分、严重 9 分；12 个月内的良好记录各抵 1 分，最多 2 分。"
              "等级：0 分为 A，1–2 分为 B，3–8 分为 C，9 分以上或有未修复的严重记录为 D。"
              "修复期限：轻微 6 个月、较重 12 个月、严重 36 个月内无新的不良记录。",
        "en": "Points: minor 1, major 3, severe 9; each positive event of the last 12 months "
              "takes one off, two at most. Grade: 0 is A, 1-2 B, 3-8 C, 9 or more, or any "
              "unrepaired severe event, D. Repair after a clean period without a new adverse "
              "event of 6 months (minor), 12 months (major) or 36 months (severe).",
    },
    "console.credit.search": {"zh": "名称或统一社会信用代码", "en": "Name or credit code"},
    "console.credit.search_submit": {"zh": "搜索", "en": "Search"},
    "console.credit.count": {"zh": "共 {count} 个主体", "en": "{count} subjects"},
    "console.credit.none": {"zh": "没有符合条件的主体。", "en": "No subject matches."},
    "console.credit.col.subject": {"zh": "主体", "en": "Subject"},
    "console.credit.col.uscc": {"zh": "统一社会信用代码", "en": "Credit code"},
    "console.credit.col.grade": {"zh": "信用等级", "en": "Grade"},
    "console.credit.col.points": {"zh": "分值", "en": "Points"},
    "console.credit.col.counting": {"zh": "计分中的不良记录", "en": "Counting adverse events"},
    "console.credit.col.date": {"zh": "日期", "en": "Date"},
    "console.credit.col.kind": {"zh": "事件", "en": "Event"},
    "console.credit.col.severity": {"zh": "程度", "en": "Severity"},
    "console.credit.col.certificate": {"zh": "证书", "en": "Certificate"},
    "console.credit.col.source": {"zh": "来源", "en": "Source"},
    "console.credit.col.details": {"zh": "说明", "en": "Details"},
    "console.credit.col.state": {"zh": "状态", "en": "State"},
    "console.credit.file.title": {"zh": "{name} 的信用档案", "en": "Credit file of {name}"},
    "console.credit.file.heading": {"zh": "信用等级：{grade}", "en": "Grade: {grade}"},
    "console.credit.file.grade": {
        "zh": "截至 {day}：{points} 分，{counting} 条不良记录计分中",
        "en": "As of {day}: {points} point(s), {counting} adverse event(s) counting",
    },
    "console.credit.file.empty": {
        "zh": "档案中还没有记录。", "en": "The file holds no events yet."},
    "console.credit.recorded_by": {"zh": "记录人：{who}", "en": "Recorded by {who}"},
    "console.credit.state.counting": {"zh": "计分中", "en": "Counting"},
    "console.credit.state.expired": {"zh": "已过计分期", "en": "No longer counting"},
    "console.credit.state.repaired": {"zh": "已修复", "en": "Repaired"},
    "console.credit.repaired_by": {
        "zh": "{at} 由 {who} 修复：{reason}", "en": "Repaired {at} by {who}: {reason}"},
    "console.credit.repaired_on": {"zh": "{at} 修复：{reason}", "en": "Repaired {at}: {reason}"},
    "console.credit.repair_on": {
        "zh": "如无新的不良记录，将于 {day} 自动修复",
        "en": "Repaired automatically on {day} unless a new adverse event comes first",
    },
    "console.credit.source.status_event": {"zh": "状态变更", "en": "Status change"},
    "console.credit.source.infringement": {"zh": "侵权记录 #{ref}", "en": "Infringement #{ref}"},
    "console.credit.source.surveillance": {"zh": "监督记录", "en": "Surveillance visit"},
    "console.credit.source.overdue": {"zh": "监督逾期检查", "en": "Overdue check"},
    "console.credit.repair.reason": {"zh": "修复理由", "en": "Reason for repair"},
    "console.credit.repair.submit": {"zh": "信用修复", "en": "Repair"},
    "console.credit.repair.reason_required": {
        "zh": "信用修复须填写书面理由，未做任何更改。",
        "en": "A repair needs a written reason; nothing was changed.",
    },
    "console.credit.repair.too_long": {
        "zh": "理由过长（最多 2000 字），未做任何更改。",
        "en": "The reason is too long (2,000 characters at most); nothing was changed.",
    },
    "console.credit.repair.refused": {
        "zh": "该记录无需或已完成修复，未做任何更改。",
        "en": "This event needs no repair or was already repaired; nothing was changed.",
    },
    "console.credit.repair.done": {"zh": "已完成信用修复。", "en": "The event has been repaired."},
    "console.credit.sweep": {"zh": "立即检查逾期与修复", "en": "Run the overdue and repair check"},
    "console.credit.sweep.hint": {
        "zh": "记录证后监督逾期，并修复已满无不良记录期限的事件（命令行：shangpin credit sweep）。",
        "en": "Records overdue surveillance and repairs events whose clean period has passed "
              "(command line: shangpin credit sweep).",
    },
    "console.credit.sweep.done": {
        "zh": "检查完成：新增逾期记录 {overdue} 条，修复 {repaired} 条。",
        "en": "Check done: {overdue} overdue event(s) recorded, {repaired} repaired.",
    },
}
