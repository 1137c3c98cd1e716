"""The public pages' messages, Simplified Chinese first; merged into ``i18n.MESSAGES``.

Kept apart from the i18n machinery because it is data: the wording a consumer
reads after scanning a mark, and which the alliance may want to revise.
"""

from __future__ import annotations

_ = dict[str, dict[str, str]]

#: Verdict banner: a short word (shown big) and one sentence saying what to do.
VERDICTS: _ = {
    "verdict.valid.title": {"zh": "有效", "en": "Valid"},
    "verdict.valid.explain": {
        "zh": "此标志由认证联盟签发，证书目前有效，获证主体可以使用该标志。",
        "en": "This mark was issued by the alliance and the certificate is in force.",
    },
    "verdict.suspended.title": {"zh": "暂停", "en": "Suspended"},
    "verdict.suspended.explain": {
        "zh": "标志是真的，但证书已被暂停：获证主体目前不得使用该标志。",
        "en": "The mark is genuine, but the certificate is suspended: "
              "the holder may not use the mark at present.",
    },
    "verdict.expired.title": {"zh": "过期", "en": "Expired"},
    "verdict.expired.explain": {
        "zh": "标志是真的，但证书已过有效期：获证主体不得再使用该标志。",
        "en": "The mark is genuine, but the certificate has expired: "
              "the holder may no longer use the mark.",
    },
    "verdict.terminated.title": {"zh": "终止", "en": "Terminated"},
    "verdict.terminated.explain": {
        "zh": "标志是真的，但证书已应获证主体申请提前终止，不得再使用该标志。",
        "en": "The mark is genuine, but the certificate was ended early at the holder's "
              "request; the mark may no longer be used.",
    },
    "verdict.revoked.title": {"zh": "撤销", "en": "Revoked"},
    "verdict.revoked.explain": {
        "zh": "证书已被撤销：获证主体不得使用该标志。带有此标志的商品请谨慎购买。",
        "en": "The certificate has been revoked: the holder may not use the mark. "
              "Be careful with goods that still carry it.",
    },
    "verdict.publicity.title": {"zh": "公示中", "en": "In publicity"},
    "verdict.publicity.explain": {
        "zh": "该证书尚在公示期，还没有正式颁发，暂不得使用该标志。",
        "en": "The certificate is still in its publicity period and has not been issued "
              "yet; the mark may not be used yet.",
    },
    "verdict.forged.title": {"zh": "伪造", "en": "Forged"},
    "verdict.forged.explain": {
        "zh": "此码不是认证联盟签发的，标志很可能是假冒的。请勿相信，欢迎在下方举报。",
        "en": "This code was not issued by the alliance: the mark is very likely fake. "
              "Do not trust it; please report it below.",
    },
    "verdict.malformed.title": {"zh": "无效码", "en": "Not a valid code"},
    "verdict.malformed.explain": {
        "zh": "这不是一个有效的上品标志码，可能是假冒标志或输入有误。",
        "en": "This is not a valid Shangpin mark code: the mark may be fake, "
              "or the code was mistyped.",
    },
    "verdict.compromised_key.title": {"zh": "签名密钥已泄露", "en": "Key compromised"},
    "verdict.compromised_key.explain": {
        "zh": "此码使用的签名密钥已被宣布泄露，无法证明标志是真的。请勿相信，欢迎举报。",
        "en": "The signing key of this code has been reported compromised, so the mark "
              "cannot be trusted. Please report it below.",
    },
    "verdict.unknown_certificate.title": {"zh": "未知证书", "en": "Unknown certificate"},
    "verdict.unknown_certificate.explain": {
        "zh": "此码指向的证书不在获证名录中。请勿相信，欢迎举报。",
        "en": "The certificate this code names is not in the registry. "
              "Do not trust it; please report it.",
    },
}

#: Short status words for chips, badges and the status history.
STATUSES: _ = {
    "status.publicity": {"zh": "公示中", "en": "in publicity"},
    "status.valid": {"zh": "有效", "en": "valid"},
    "status.suspended": {"zh": "暂停", "en": "suspended"},
    "status.expired": {"zh": "过期", "en": "expired"},
    "status.terminated": {"zh": "终止", "en": "terminated"},
    "status.revoked": {"zh": "撤销", "en": "revoked"},
    "status.unknown": {"zh": "未知", "en": "unknown"},
    "scheme.shangpin": {"zh": "上品认证", "en": "Shangpin certification"},
    "scheme.cultivation": {"zh": "上海品牌培育", "en": "Shanghai Brand cultivation"},
    "badge.shangpin": {"zh": "上品认证", "en": "Shangpin"},
    "badge.cultivation": {"zh": "上海品牌培育", "en": "Shanghai Brand"},
    "scope.product": {"zh": "产品", "en": "Product"},
    "scope.service": {"zh": "服务", "en": "Service"},
}

FACTS: _ = {
    "facts.number": {"zh": "证书编号", "en": "Certificate number"},
    "facts.holder": {"zh": "获证主体", "en": "Holder"},
    "facts.uscc": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "facts.scheme": {"zh": "认证类别", "en": "Scheme"},
    "facts.scope": {"zh": "认证产品/服务", "en": "Certified products and services"},
    "facts.validity": {"zh": "有效期", "en": "Validity"},
    "facts.validity_range": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "facts.publicity_end": {"zh": "公示期至", "en": "Publicity ends"},
    "facts.body": {"zh": "认证机构", "en": "Certification body"},
    "facts.standard": {"zh": "认证依据", "en": "Standard"},
    "facts.last_surveillance": {"zh": "最近证后监督", "en": "Last surveillance"},
    "facts.none": {"zh": "暂无", "en": "none yet"},
    "facts.reason": {"zh": "公告原因", "en": "Published reason"},
    "facts.changed": {"zh": "公告日期", "en": "Date"},
    "unit.serial": {"zh": "单件序号", "en": "Unit serial"},
    "unit.scans": {"zh": "扫描记录", "en": "Earlier scans"},
    "unit.scans_before": {"zh": "此前已被扫描 {n} 次", "en": "Scanned {n} times before"},
    "unit.first": {"zh": "这是该单件码的首次扫描。", "en": "This is the first scan of this code."},
    "unit.hint": {
        "zh": "如果您手中是刚买到的全新商品，此前的扫描记录可能意味着标签被复制。",
        "en": "If you have just bought this item new, earlier scans may mean the label "
              "was copied.",
    },
}

PAGES: _ = {
    "scan.title": {"zh": "验证结果", "en": "Verification result"},
    "scan.code": {"zh": "标志码", "en": "Code"},
    "scan.checked_at": {"zh": "查询时间", "en": "Checked at"},
    "scan.details": {"zh": "证书详情与状态历史", "en": "Certificate details and status history"},
    "scan.claimed": {"zh": "码中的证书编号", "en": "Certificate number in the code"},
    "start.title": {"zh": "验证上品标志", "en": "Check a Shangpin mark"},
    "start.lead": {
        "zh": "「上品」标志由上海品牌国际认证联盟授予获证企业使用。标志上的二维码带有联盟的"
              "数字签名：用手机相机扫一扫，即可确认标志是否真实、证书当前是否有效。",
        "en": "The Shangpin (上品) mark is licensed by the Shanghai Brand International "
              "Certification Alliance to certified holders. Its QR code carries the alliance's "
              "digital signature: scan it with a phone camera to see whether the mark is "
              "genuine and whether the certificate still stands.",
    },
    "start.input": {
        "zh": "输入标志码、证书编号或企业名称",
        "en": "Enter a mark code, certificate number or company name",
    },
    "start.placeholder": {"zh": "例如 SP-2025-00001", "en": "e.g. SP-2025-00001"},
    "start.submit": {"zh": "查询", "en": "Check"},
    "start.more": {"zh": "其他查询方式", "en": "Other ways to check"},
    "start.photo": {
        "zh": "无法扫码？上传标志照片验真", "en": "Cannot scan? Upload a photo of the mark",
    },
    "start.registry": {
        "zh": "在获证名录中查找企业与证书",
        "en": "Look up holders and certificates in the registry",
    },
    "start.what": {"zh": "标志的含义", "en": "What the mark means"},
    "start.what_body": {
        "zh": "只有证书状态为「有效」时，获证主体才可以使用标志。证书被暂停、过期、终止或撤销后，"
              "必须停止使用。",
        "en": "A holder may use the mark only while its certificate is valid. Once the "
              "certificate is suspended, expired, terminated or revoked, the mark must no "
              "longer be used.",
    },
    "report.title": {"zh": "举报疑似假冒", "en": "Report a suspected fake"},
    "report.intro": {
        "zh": "怀疑标志或商品是假冒的？请告诉我们。联系方式仅供联盟核实，不会公开。",
        "en": "Think the mark or the goods are fake? Tell us. Your contact details are only "
              "for the alliance to follow up and are never published.",
    },
    "report.description": {"zh": "可疑之处（必填）", "en": "What looks wrong (required)"},
    "report.where_bought": {"zh": "购买地点或网店", "en": "Where you bought it"},
    "report.contact": {
        "zh": "联系方式（选填，不公开）", "en": "Contact (optional, never published)",
    },
    "report.submit": {"zh": "提交举报", "en": "Send report"},
    "report.thanks.title": {"zh": "感谢您的举报", "en": "Thank you"},
    "report.thanks.body": {
        "zh": "我们已收到您的举报，认证联盟工作人员会尽快核查。",
        "en": "We have received your report; the alliance's staff will look into it.",
    },
    "report.error.description": {
        "zh": "请描述可疑之处（不超过 2000 字）。",
        "en": "Please describe what looks wrong (at most 2,000 characters).",
    },
    "report.error.length": {
        "zh": "购买地点或联系方式过长。", "en": "Where bought or contact is too long.",
    },
    "report.error.code": {"zh": "标志码过长。", "en": "The code is too long."},
    "report.error.origin": {
        "zh": "请通过本站的页面提交举报。", "en": "Please send the report from this site's page.",
    },
    "report.error.size": {"zh": "举报内容过长。", "en": "The report is too long."},
    "registry.title": {"zh": "获证名录", "en": "Registry of certificates"},
    "registry.q": {
        "zh": "企业名称、信用代码、产品或证书编号",
        "en": "Holder, credit code, product or certificate number",
    },
    "registry.scheme": {"zh": "认证类别", "en": "Scheme"},
    "registry.status": {"zh": "证书状态", "en": "Status"},
    "registry.any": {"zh": "全部", "en": "Any"},
    "registry.search": {"zh": "搜索", "en": "Search"},
    "registry.count": {"zh": "共 {total} 张证书", "en": "{total} certificates"},
    "registry.page": {"zh": "第 {page} / {pages} 页", "en": "Page {page} of {pages}"},
    "registry.prev": {"zh": "上一页", "en": "Previous"},
    "registry.next": {"zh": "下一页", "en": "Next"},
    "registry.none": {
        "zh": "没有找到符合条件的证书。", "en": "No certificate matches the search.",
    },
    "registry.valid_until": {"zh": "有效期至 {date}", "en": "Valid until {date}"},
    "registry.error.scheme": {
        "zh": "未知的认证类别，请从列表中选择。", "en": "Unknown scheme: pick one from the list.",
    },
    "registry.error.status": {
        "zh": "未知的证书状态，请从列表中选择。", "en": "Unknown status: pick one from the list.",
    },
    "registry.error.page": {
        "zh": "页码必须是 1 到 10000 之间的整数。",
        "en": "The page must be a whole number from 1 to 10,000.",
    },
    "registry.error.size": {
        "zh": "每页条数必须是 1 到 100 之间的整数。",
        "en": "The page size must be a whole number from 1 to 100.",
    },
    "certificate.title": {"zh": "证书 {number}", "en": "Certificate {number}"},
    "certificate.history": {"zh": "状态历史", "en": "Status history"},
    "certificate.unknown": {
        "zh": "获证名录中没有编号为 {number} 的证书。",
        "en": "There is no certificate {number} in the registry.",
    },
    "history.submitted": {"zh": "提交公示", "en": "submitted for publicity"},
    "history.by": {"zh": "由认证机构/认证联盟公布", "en": "Published by the certification body "
                   "or the alliance"},
    "embed.title": {"zh": "在您的网站上展示", "en": "Show it on your website"},
    "embed.intro": {
        "zh": "复制下面的代码放到网站或网店页面上，它会实时显示证书状态。",
        "en": "Copy the code below into your website or shop page; it shows the live status.",
    },
    "embed.badge": {"zh": "状态徽章", "en": "Status badge"},
    "embed.card": {"zh": "嵌入卡片", "en": "Embedded card"},
    "embed.copy": {"zh": "复制", "en": "Copy"},
    "embed.view": {"zh": "查看证书", "en": "View certificate"},
    "embed.badge_alt": {"zh": "上品认证状态", "en": "Shangpin certificate status"},
}

PUBLIC: _ = {**VERDICTS, **STATUSES, **FACTS, **PAGES}
