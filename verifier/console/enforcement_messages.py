"""The alert queue's, infringement records' and credit files' texts.

Chinese first; merged into the console catalogue.
"""

from __future__ import annotations

from verifier.console import credit_console_messages

#: Alert kinds with a name of their own; any other kind is shown as stored.
KINDS: dict[str, dict[str, str]] = {
    "uncertified_use": {"zh": "无证使用标志", "en": "Mark used without a certificate"},
    "out_of_scope": {"zh": "超范围使用", "en": "Used beyond the certificate's scope"},
    "use_while_suspended": {"zh": "暂停期间使用", "en": "Used while suspended"},
    "use_after_revocation": {"zh": "撤销后使用", "en": "Used after revocation"},
    "use_after_expiry": {"zh": "过期后使用", "en": "Used after expiry"},
    "use_after_termination": {"zh": "终止后使用", "en": "Used after termination"},
    "forged_code": {"zh": "伪造二维码", "en": "Forged code"},
    "cloned_code": {"zh": "冒用他人二维码", "en": "Someone else's code"},
    "cloned_unit_code": {"zh": "单品码疑被复制", "en": "Unit code probably copied"},
    "scan_rate_spike": {"zh": "扫码量异常", "en": "Scan rate spike"},
    "scan_of_suspended": {"zh": "扫码：证书已暂停", "en": "Scans of a suspended certificate"},
    "scan_of_revoked": {"zh": "扫码：证书已撤销", "en": "Scans of a revoked certificate"},
    "scan_of_forged": {"zh": "扫码：伪造码", "en": "Scans of a forged code"},
    "scan_of_compromised_key": {"zh": "扫码：密钥已泄露", "en": "Scans under a compromised key"},
    "scan_of_unknown_certificate": {
        "zh": "扫码：证书不在登记册中", "en": "Scans of an unregistered certificate"},
    "consumer_report": {"zh": "消费者举报", "en": "Consumer report"},
}

MESSAGES: dict[str, dict[str, str]] = {
    **{f"console.kind.{kind}": text for kind, text in KINDS.items()},
    # The queue
    "console.queue.title": {"zh": "预警处理", "en": "Alerts"},
    "console.queue.intro": {
        "zh": "网络巡查、扫码预警和消费者举报汇总于此。",
        "en": "Misuse found by the crawler, scan early warnings and consumer reports, in one list.",
    },
    "console.queue.count": {"zh": "共 {count} 条", "en": "{count} in all"},
    "console.queue.none": {"zh": "没有符合条件的预警。", "en": "No alerts match."},
    "console.queue.any": {"zh": "全部", "en": "Any"},
    "console.queue.kind": {"zh": "类型", "en": "Kind"},
    "console.queue.status": {"zh": "状态", "en": "Status"},
    "console.queue.source": {"zh": "来源", "en": "Source"},
    "console.queue.seller": {"zh": "商家（名称或信用代码）", "en": "Seller (name or credit code)"},
    "console.queue.since": {"zh": "起始日期", "en": "From"},
    "console.queue.until": {"zh": "截止日期", "en": "To"},
    "console.queue.mine": {"zh": "仅看分配给我的", "en": "Assigned to me"},
    "console.queue.sort": {"zh": "排序", "en": "Sort"},
    "console.queue.sort.newest": {"zh": "最新在前", "en": "Newest first"},
    "console.queue.sort.oldest": {"zh": "最早在前", "en": "Oldest first"},
    "console.queue.sort.kind": {"zh": "按类型", "en": "By kind"},
    "console.queue.filter": {"zh": "筛选", "en": "Filter"},
    "console.queue.source.crawler": {"zh": "网络巡查", "en": "Crawler"},
    "console.queue.source.scan": {"zh": "扫码预警", "en": "Scans"},
    "console.queue.source.report": {"zh": "消费者举报", "en": "Consumer report"},
    "console.queue.col.select": {"zh": "选择", "en": "Select"},
    "console.queue.col.time": {"zh": "时间", "en": "Time"},
    "console.queue.col.summary": {"zh": "摘要", "en": "Summary"},
    "console.queue.col.certificate": {"zh": "证书", "en": "Certificate"},
    "console.queue.col.seller": {"zh": "商家", "en": "Seller"},
    "console.queue.col.assigned": {"zh": "处理人", "en": "Assigned to"},
    "console.queue.bulk": {"zh": "批量处理所选预警", "en": "Review the selected alerts"},
    "console.queue.bulk_reason": {
        "zh": "理由（批量驳回时必填）", "en": "Reason (required to dismiss)"},
    "console.queue.bulk_confirm": {"zh": "批量确认", "en": "Confirm selected"},
    "console.queue.bulk_dismiss": {"zh": "批量驳回", "en": "Dismiss selected"},
    "console.queue.bulk_charge": {
        "zh": "对按统一社会信用代码匹配的商家，同时记入其信用档案",
        "en": "Also record credit events for credit-code matches",
    },
    "console.queue.bulk_charge_note": {
        "zh": "批量确认从不对仅按名称匹配的商家记入信用档案；如需记入，请在预警页逐条确认。",
        "en": "Bulk confirmation never charges a seller matched by name alone; confirm such "
              "alerts one by one on their pages to charge them.",
    },
    # Results of an action
    "console.review.done.confirm": {
        "zh": "已确认 {count} 条预警。",
        "en": "{count} alert(s) confirmed.",
    },
    "console.review.done.dismiss": {
        "zh": "已驳回 {count} 条预警。",
        "en": "{count} alert(s) dismissed.",
    },
    "console.review.done.assign": {"zh": "已分配。", "en": "Assigned."},
    "console.review.skipped": {
        "zh": "以下预警此前已处理，未再更改：{ids}",
        "en": "These alerts had already been reviewed and were left as they were: {ids}",
    },
    "console.review.reason_needed": {
        "zh": "驳回预警必须填写理由。未做任何更改。",
        "en": "A reason is required to dismiss. Nothing was changed.",
    },
    "console.review.reason_long": {
        "zh": "理由过长（最多 2000 字）。未做任何更改。",
        "en": "The reason is too long (at most 2000 characters). Nothing was changed.",
    },
    "console.review.bad_selection": {
        "zh": "所选内容无效。未做任何更改。",
        "en": "The selection is not valid. Nothing was changed.",
    },
    "console.review.none_selected": {
        "zh": "请至少选择一条预警。未做任何更改。",
        "en": "Select at least one alert. Nothing was changed.",
    },
    "console.review.too_many": {
        "zh": "一次最多处理 200 条预警。未做任何更改。",
        "en": "At most 200 alerts at a time. Nothing was changed.",
    },
    "console.review.bad_assignee": {
        "zh": "只能分配给启用中的联盟工作人员。未做任何更改。",
        "en": "Alerts can only be assigned to active alliance staff. Nothing was changed.",
    },
    # One alert
    "console.alert.title": {"zh": "预警 #{id}", "en": "Alert #{id}"},
    "console.alert.back": {"zh": "返回预警列表", "en": "Back to the alerts"},
    "console.alert.raised": {"zh": "产生时间", "en": "Raised"},
    "console.alert.evidence": {"zh": "证据", "en": "Evidence"},
    "console.alert.image": {
        "zh": "商品图片（检测框已标出）",
        "en": "Listing image (detected box drawn)",
    },
    "console.alert.crop": {"zh": "检测区域截图", "en": "Crop of the find"},
    "console.alert.page": {"zh": "抓取的页面（纯文本）", "en": "Captured page (as plain text)"},
    "console.alert.page_note": {
        "zh": "页面原文以纯文本方式在隔离环境中提供，不会在后台中执行。",
        "en": "The page is served as plain text in a sandbox; it never runs in the console.",
    },
    "console.alert.listing": {"zh": "商品页面", "en": "Listing"},
    "console.alert.product": {"zh": "商品", "en": "Product"},
    "console.alert.captured_at": {"zh": "抓取时间", "en": "Captured"},
    "console.alert.digests": {"zh": "SHA-256 摘要", "en": "SHA-256 digests"},
    "console.alert.find": {"zh": "检测结果", "en": "Find"},
    "console.alert.find.emblem": {
        "zh": "标志图形 {mark}（得分 {score}）",
        "en": "Emblem {mark} (score {score})",
    },
    "console.alert.find.qr": {"zh": "二维码：{text}", "en": "QR code: {text}"},
    "console.alert.qr_verification": {"zh": "二维码验证结果", "en": "QR verification"},
    "console.alert.seller": {"zh": "商家", "en": "Seller"},
    "console.alert.seller_name": {"zh": "商家名称", "en": "Name"},
    "console.alert.seller_code": {"zh": "展示的信用代码", "en": "Credit code as shown"},
    "console.alert.seller_match": {"zh": "匹配方式", "en": "Matched by"},
    "console.alert.match.credit_code": {"zh": "统一社会信用代码", "en": "Credit code"},
    "console.alert.match.name": {"zh": "名称", "en": "Name"},
    "console.alert.match.none": {"zh": "未匹配到登记主体", "en": "No registered subject"},
    "console.alert.subject": {"zh": "匹配的主体", "en": "Matched subject"},
    "console.alert.credit_file": {"zh": "信用档案", "en": "Credit file"},
    "console.alert.certificate": {
        "zh": "标志或二维码指向的证书",
        "en": "Certificate the mark or QR points to",
    },
    "console.alert.certificate_none": {"zh": "无", "en": "None"},
    "console.alert.unregistered": {"zh": "（不在登记册中）", "en": "(not in the registry)"},
    "console.alert.console_link": {"zh": "后台证书页", "en": "Console page"},
    "console.alert.public_link": {"zh": "公开页面", "en": "Public page"},
    "console.alert.scan_figures": {"zh": "扫码数据", "en": "Scan figures"},
    "console.alert.report": {"zh": "举报内容", "en": "The report"},
    "console.alert.report_code": {"zh": "举报的码", "en": "Code reported"},
    "console.alert.report_verdict": {"zh": "验证结果", "en": "Verification verdict"},
    "console.alert.where_bought": {"zh": "购买地点", "en": "Where bought"},
    "console.alert.contact": {"zh": "联系方式（仅工作人员可见）", "en": "Contact (staff only)"},
    "console.alert.contact_hidden": {
        "zh": "举报人留有联系方式，仅联盟工作人员可见。",
        "en": "The reporter left a contact, shown to staff only.",
    },
    "console.alert.review": {"zh": "处理", "en": "Review"},
    "console.alert.reviewed": {"zh": "{who} 于 {when} 处理", "en": "Reviewed by {who} on {when}"},
    "console.alert.reviewed_on": {"zh": "于 {when} 处理", "en": "Reviewed on {when}"},
    "console.alert.reason": {"zh": "理由", "en": "Reason"},
    "console.alert.note": {"zh": "备注（可选）", "en": "Note (optional)"},
    "console.alert.dismiss_reason": {
        "zh": "驳回理由（必填）",
        "en": "Reason to dismiss (required)",
    },
    "console.alert.confirm": {"zh": "确认", "en": "Confirm"},
    "console.alert.dismiss": {"zh": "驳回", "en": "Dismiss"},
    "console.alert.confirm_creates": {
        "zh": "确认后将生成侵权信息记录；仅在勾选下方选项时，才记入所匹配主体的信用档案。",
        "en": "Confirming records an infringement; the matched subject's credit file gets an "
              "event only if you tick the box below.",
    },
    "console.alert.charge": {
        "zh": "记入该主体的信用档案：{name}（{uscc}）",
        "en": "Record in this subject's credit file: {name} ({uscc})",
    },
    "console.alert.charge_match.credit_code": {
        "zh": "匹配依据：商品页展示的统一社会信用代码。该代码由商家自行展示，请核实后再记入。",
        "en": "Matched by the credit code the listing shows. The seller shows it themselves: "
              "check it before charging.",
    },
    "console.alert.charge_match.name": {
        "zh": "匹配依据：店铺名称。仿冒者可能冒用真实主体的名称，请核实确为该主体后再勾选。",
        "en": "Matched by shop name only. A counterfeiter may trade under a real holder's "
              "name: tick this only once you have checked it is this subject.",
    },
    "console.alert.charge_match.none": {"zh": "未匹配到登记主体", "en": "No registered subject"},
    "console.alert.confirm_plain": {
        "zh": "确认仅记录处理结果，不生成侵权信息（无法确定具体侵权主体）。",
        "en": "Confirming records the review only: it names no identifiable party, so no "
              "infringement record is made.",
    },
    "console.alert.assigned": {"zh": "处理人", "en": "Assigned to"},
    "console.alert.unassigned": {"zh": "未分配", "en": "Nobody"},
    "console.alert.assign": {"zh": "分配", "en": "Assign"},
    "console.alert.assign_me": {"zh": "分配给我", "en": "Assign to me"},
    "console.alert.infringement": {"zh": "侵权信息记录 #{id}", "en": "Infringement record #{id}"},
    "console.evidence.ok": {"zh": "摘要核对一致", "en": "Digest checked"},
    "console.evidence.missing": {
        "zh": "证据文件缺失。", "en": "The evidence file is missing.",
    },
    "console.evidence.tampered": {
        "zh": "警告：证据文件与记录的 SHA-256 摘要不符，可能已被篡改，因此不予提供。",
        "en": "Warning: the evidence file does not match its recorded SHA-256 digest; it "
              "may have been tampered with and is not served.",
    },
    # Infringement records
    "console.infringements.title": {"zh": "侵权信息", "en": "Infringement records"},
    "console.infringements.intro": {
        "zh": "经工作人员确认的标志滥用，附确认时保存的证据。",
        "en": "Misuse of the mark confirmed by staff, with the evidence as it stood then.",
    },
    "console.infringements.subject": {
        "zh": "主体或商家（名称或信用代码）",
        "en": "Subject or seller (name or credit code)",
    },
    "console.infringements.none": {"zh": "没有符合条件的记录。", "en": "No records match."},
    "console.infringements.confirmed": {"zh": "确认时间", "en": "Confirmed"},
    "console.infringements.confirmed_by": {"zh": "确认人", "en": "Confirmed by"},
    "console.infringements.record": {"zh": "侵权信息 #{id}", "en": "Infringement record #{id}"},
    "console.infringements.alert": {"zh": "来源预警 #{id}", "en": "From alert #{id}"},
    "console.infringements.no_subject": {
        "zh": "商家不是可识别的登记主体，未记入信用档案。",
        "en": "The seller is not an identifiable registered subject; no credit-file event.",
    },
    "console.infringements.credit_events": {"zh": "信用档案事件", "en": "Credit-file events"},
    "console.infringements.not_charged": {
        "zh": "确认人 {who} 未将此记录记入所匹配主体的信用档案。",
        "en": "{who} confirmed this without recording it in the matched subject's credit file.",
    },
}

MESSAGES.update(credit_console_messages.MESSAGES)
