"""The texts of the certificate lifecycle, surveillance and yearly reports.

Chinese first; merged into the console catalogue.
"""

from __future__ import annotations


def _m(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


_LIFECYCLE: dict[str, dict[str, str]] = {
    "lifecycle.scope": _m("认证范围", "Scope"),
    "lifecycle.validity": _m("有效期 {start} 至 {end}", "Valid {start} to {end}"),
    "lifecycle.publicity_window": _m("公示期 {start} 至 {end}", "Publicity {start} to {end}"),
    "lifecycle.actions": _m("证书状态操作", "Change the status"),
    "lifecycle.reason": _m("原因（必填）", "Reason (required)"),
    "lifecycle.reason_hint": _m(
        "暂停、恢复、撤销、终止均须填写原因，原因将在公开页面公布；公示期满签发无需填写。",
        "Suspending, reinstating, revoking and terminating each need a reason, which the "
        "public pages show; issuing after publicity needs none."),
    "lifecycle.no_actions": _m("当前状态下没有可执行的操作。",
                               "No change is possible in the present status."),
    "lifecycle.action.activate": _m("公示期满，签发证书", "Issue (publicity over)"),
    "lifecycle.action.suspend": _m("暂停", "Suspend"),
    "lifecycle.action.reinstate": _m("恢复", "Reinstate"),
    "lifecycle.action.revoke": _m("撤销", "Revoke"),
    "lifecycle.action.terminate": _m("终止（注销）", "Terminate"),
    "lifecycle.done.created": _m("证书已创建，进入公示期。",
                                 "Certificate created; it is in publicity."),
    "lifecycle.done.activate": _m("证书已签发，状态为有效。",
                                  "Certificate issued; it is now valid."),
    "lifecycle.done.suspend": _m("证书已暂停，公开页面已更新。",
                                 "Certificate suspended; the public pages show it now."),
    "lifecycle.done.reinstate": _m("证书已恢复有效。", "Certificate reinstated."),
    "lifecycle.done.revoke": _m("证书已撤销，公开页面已更新。",
                                "Certificate revoked; the public pages show it now."),
    "lifecycle.done.terminate": _m("证书已终止，公开页面已更新。",
                                   "Certificate terminated; the public pages show it now."),
    "lifecycle.done.objection": _m("异议已登记。", "Objection recorded."),
    "lifecycle.done.uphold": _m("异议已成立，证书不予签发。",
                                "Objection upheld; the certificate will not be issued."),
    "lifecycle.done.dismiss": _m("异议已驳回。", "Objection dismissed."),
    "lifecycle.done.surveillance": _m("监督记录已保存。", "Surveillance visit recorded."),
    "lifecycle.reason_required": _m("请填写原因，未做任何更改。",
                                    "A reason is required. Nothing was changed."),
    "lifecycle.refused.state": _m("证书当前为“{state}”，不能执行此操作，未做任何更改。",
                                  "The certificate is {state}: this change is not allowed. "
                                  "Nothing was changed."),
    "lifecycle.refused.reason_long": _m("原因不能超过 {limit} 个字符。",
                                        "The reason may be at most {limit} characters."),
    "lifecycle.refused.expired": _m("证书已于 {until} 到期，只能撤销，未做任何更改。",
                                    "The certificate expired on {until}; only revocation is "
                                    "still recorded. Nothing was changed."),
    "lifecycle.refused.publicity": _m("公示期至 {until} 结束，期满后方可签发。",
                                      "Publicity runs until {until}; the certificate can be "
                                      "issued after it."),
    "lifecycle.refused.upheld": _m("公示期间有异议成立，证书不能签发。",
                                   "An objection was upheld during publicity; the certificate "
                                   "cannot be issued."),
    "lifecycle.refused.pending": _m("尚有 {count} 项异议未处理，处理后方可签发。",
                                    "{count} objection(s) are undecided; decide them first."),
    "lifecycle.refused.other": _m("此操作不被允许，未做任何更改。",
                                  "This change is not allowed. Nothing was changed."),
    "lifecycle.refused.unknown_action": _m("未知的操作。", "Unknown action."),
    "lifecycle.objections": _m("公示异议", "Publicity objections"),
    "lifecycle.objection.none": _m("暂无异议。", "No objections."),
    "lifecycle.objection.lodge": _m("登记异议", "Record an objection"),
    "lifecycle.objection.lodged_by": _m("异议人", "Lodged by"),
    "lifecycle.objection.text": _m("异议内容", "Objection"),
    "lifecycle.objection.outcome": _m("处理结果", "Outcome"),
    "lifecycle.objection.submit": _m("登记", "Record"),
    "lifecycle.objection.uphold": _m("异议成立", "Uphold"),
    "lifecycle.objection.dismiss": _m("驳回异议", "Dismiss"),
    "lifecycle.objection.incomplete": _m("请填写异议人和异议内容。",
                                         "Give who lodges the objection and what it says."),
    "lifecycle.objection.too_long": _m("异议人不超过 {name} 字，内容不超过 {text} 字。",
                                       "At most {name} characters for the name and {text} for "
                                       "the text."),
    "lifecycle.objection.not_in_publicity": _m("证书不在公示期，不能登记异议。",
                                               "The certificate is not in publicity: no "
                                               "objections can be lodged."),
    "lifecycle.objection.decided": _m("该异议已处理，未做任何更改。",
                                      "This objection was already decided. Nothing was changed."),
    "lifecycle.outcome.pending": _m("待处理", "Pending"),
    "lifecycle.outcome.upheld": _m("异议成立", "Upheld"),
    "lifecycle.outcome.dismissed": _m("已驳回", "Dismissed"),
}

_NEW: dict[str, dict[str, str]] = {
    "lifecycle.new.title": _m("新建证书", "New certificate"),
    "lifecycle.new.intro": _m("提交后证书进入公示期，公示期满且无异议方可签发。",
                              "The certificate enters publicity; it can be issued once "
                              "publicity has passed with no objection."),
    "lifecycle.new.fix": _m("请修改标出的内容，未保存任何数据。",
                            "Please correct the marked fields; nothing was saved."),
    "lifecycle.new.certificate": _m("证书", "Certificate"),
    "lifecycle.new.standard": _m("认证依据标准", "Standard"),
    "lifecycle.new.publicity_days": _m("公示天数", "Publicity days"),
    "lifecycle.new.subject": _m("获证主体", "Holder"),
    "lifecycle.new.which": _m("获证主体来源", "Which holder"),
    "lifecycle.new.existing": _m("选择已有主体", "An existing holder"),
    "lifecycle.new.add_subject": _m("新增主体", "A new holder"),
    "lifecycle.new.uscc": _m("统一社会信用代码", "Unified social credit code"),
    "lifecycle.new.uscc_hint": _m(
        "请输入完整的18位代码；下拉建议仅列出您可查看的证书持有人（最多100个）。",
        "Type the full 18-character code; suggestions list only holders of certificates you "
        "can see (at most 100)."),
    "lifecycle.new.name": _m("名称", "Name"),
    "lifecycle.new.address": _m("地址", "Address"),
    "lifecycle.new.kind": _m("类型", "Kind"),
    "lifecycle.new.item": _m("产品或服务名称", "Product or service"),
    "lifecycle.new.category": _m("类别", "Category"),
    "lifecycle.new.submit": _m("提交公示", "Submit for publicity"),
    "lifecycle.new.conflict": _m("另一张证书同时创建，编号冲突，未保存任何数据，请再次提交。",
                                 "Another certificate was created at the same moment and took "
                                 "the number. Nothing was saved; please submit again."),
    "lifecycle.field.required": _m("必填。", "Required."),
    "lifecycle.field.choose": _m("请选择。", "Choose one."),
    "lifecycle.field.too_long": _m("不能超过 {limit} 个字符。", "At most {limit} characters."),
    "lifecycle.field.body": _m("请选择认证机构。", "Choose a certification body."),
    "lifecycle.field.scope_row": _m("请同时填写名称和类别。",
                                    "Give both the name and the category."),
    "lifecycle.field.scope_empty": _m("至少填写一项产品或服务。",
                                      "Give at least one product or service."),
    "lifecycle.field.days": _m("公示天数为 0 至 {limit} 的整数。",
                               "Publicity is a whole number of days from 0 to {limit}."),
    "lifecycle.field.rejected": _m("登记被拒绝：{detail}", "The registry refused it: {detail}"),
    "lifecycle.uscc.length": _m("统一社会信用代码应为 18 位，当前为 {count} 位。",
                                "A credit code has 18 characters; this has {count}."),
    "lifecycle.uscc.characters": _m("统一社会信用代码含有不允许的字符“{character}”"
                                    "（不使用 I、O、S、V、Z）。",
                                    "The credit code contains “{character}”, which is not "
                                    "allowed (I, O, S, V and Z are never used)."),
    "lifecycle.uscc.check": _m("统一社会信用代码校验位错误（按前 17 位应为 {expected}），请核对。",
                               "The credit code's check character is wrong (from the first 17 "
                               "characters it should be {expected}); please check it."),
    "lifecycle.uscc.exists": _m("已有该代码的主体，请选择“选择已有主体”。",
                                "A holder with this code exists; choose it as an existing "
                                "holder."),
    "lifecycle.uscc.unknown": _m("没有该代码的主体，请核对或新增主体。",
                                 "No holder has this code; check it or add a new holder."),
    "lifecycle.signing.no_passphrase": _m(
        "服务器未配置签名密钥口令（SHANGPIN_KEY_PASSPHRASE），无法签发标志，未保存任何数据。",
        "The server has no signing-key passphrase (SHANGPIN_KEY_PASSPHRASE), so the mark cannot "
        "be signed. Nothing was saved."),
    "lifecycle.signing.no_key": _m(
        "没有可用的签名密钥，或口令不正确，无法签发标志，未保存任何数据。",
        "There is no usable signing key, or the passphrase does not open it. Nothing was saved."),
}

_SURVEILLANCE: dict[str, dict[str, str]] = {
    "surveillance.title": _m("证后监督", "Surveillance"),
    "surveillance.last": _m("上次监督", "Last visit"),
    "surveillance.due": _m("下次应监督", "Next due"),
    "surveillance.never": _m("尚无", "none yet"),
    "surveillance.record": _m("登记监督", "Record a visit"),
    "surveillance.visited_on": _m("监督日期", "Visit date"),
    "surveillance.visit.visited_on": _m("监督日期", "visit date"),
    "surveillance.visit.next_due": _m("下次监督日期", "next due date"),
    "surveillance.result": _m("结论", "Result"),
    "surveillance.result.passed": _m("通过", "Passed"),
    "surveillance.result.failed": _m("不通过", "Failed"),
    "surveillance.next_due": _m("下次监督日期", "Next due"),
    "surveillance.next_due_hint": _m("留空则为一年后；最迟不超过监督日期后一年。",
                                     "Blank means one year later; at most one year after the "
                                     "visit."),
    "surveillance.notes": _m("备注", "Notes"),
    "surveillance.submit": _m("保存", "Save"),
    "surveillance.field.date_required": _m("请填写{field}。", "Give the {field}."),
    "surveillance.field.date": _m("{field}格式不正确（YYYY-MM-DD）。",
                                  "The {field} is not a date (YYYY-MM-DD)."),
    "surveillance.field.result": _m("请选择结论。", "Choose a result."),
    "surveillance.refused.state": _m("证书当前为“{state}”，不进行证后监督。",
                                     "The certificate is {state}: surveillance does not apply."),
    "surveillance.refused.future": _m("监督日期不能晚于今天。",
                                      "A visit cannot be dated in the future."),
    "surveillance.refused.before_valid": _m("监督日期早于证书生效日 {since}。",
                                            "The visit is dated before the certificate became "
                                            "valid ({since})."),
    "surveillance.refused.earlier": _m("已有更晚的监督记录（{last}）。",
                                       "A later visit ({last}) is already recorded."),
    "surveillance.refused.interval": _m("下次监督日期须晚于本次，且不超过一年。",
                                        "The next visit is due after this one and at most one "
                                        "year later."),
    "surveillance.refused": _m("监督记录被拒绝：{detail}", "The visit was refused: {detail}"),
    "surveillance.due_title": _m("证后监督到期提醒", "Surveillance due"),
    "surveillance.due_intro": _m("已逾期或将在 {days} 天内到期的证书（截至 {today}）。",
                                 "Certificates whose surveillance is overdue or due within "
                                 "{days} days (as of {today})."),
    "surveillance.due_counts": _m("共 {total} 张，其中逾期 {overdue} 张。",
                                  "{total} in all, {overdue} overdue."),
    "surveillance.none_due": _m("没有逾期或即将到期的证书。", "Nothing is overdue or due soon."),
    "surveillance.overdue_by": _m("逾期 {days} 天", "{days} days overdue"),
    "surveillance.due_in": _m("{days} 天后到期", "due in {days} days"),
}

_REPORTS: dict[str, dict[str, str]] = {
    "reports.title": _m("年度报告", "Yearly reports"),
    "reports.intro": _m(
        "认证机构证后监督情况报告每年 11 月底前报送认证联盟；"
        "认证联盟工作报告每年 12 月底前报送市市场监管部门。",
        "A certification body reports its post-certification surveillance to the alliance by "
        "the end of November; the alliance reports to the market regulator by the end of "
        "December."),
    "reports.open": _m("查看报告", "Open the report"),
    "reports.shortcuts": _m("近年报告", "Recent reports"),
    "reports.back": _m("返回年度报告", "Back to yearly reports"),
    "reports.download_csv": _m("下载 CSV", "Download CSV"),
    "reports.print_hint": _m("可使用浏览器打印功能打印或存为 PDF。",
                             "Print or save as PDF with the browser's print command."),
    "reports.kind.body": _m("认证机构证后监督情况报告", "Certification body surveillance report"),
    "reports.kind.alliance": _m("认证联盟年度工作报告", "Alliance yearly report"),
    "reports.field.kind": _m("报告", "Report"),
    "reports.field.year": _m("年度", "Year"),
    "reports.field.as_at": _m("统计截止日", "As at"),
    "reports.field.due": _m("报送截止日", "Due by"),
    "reports.field.body": _m("认证机构", "Certification body"),
    "reports.as_at_line": _m("数据截至 {as_at}", "Figures as at {as_at}"),
    "reports.running": _m("（年度尚未结束）", "(the year is still running)"),
    "reports.due_line": _m("报送截止 {due}", "due by {due}"),
    "reports.summary": _m("汇总", "Summary"),
    "reports.certificates.total": _m("证书合计", "Certificates in all"),
    "reports.surveillance.passed": _m("本年证后监督（通过）",
                                      "Surveillance visits this year (passed)"),
    "reports.surveillance.failed": _m("本年证后监督（不通过）",
                                      "Surveillance visits this year (failed)"),
    "reports.surveillance.overdue": _m("证后监督逾期证书",
                                       "Certificates with surveillance overdue"),
    "reports.suspensions": _m("暂停证书", "Suspensions"),
    "reports.revocations": _m("撤销证书", "Revocations"),
    "reports.suspension": _m("暂停", "Suspension"),
    "reports.revocation": _m("撤销", "Revocation"),
    "reports.alerts.raised": _m("新增预警", "Alerts raised"),
    "reports.alerts.confirmed": _m("确认预警", "Alerts confirmed"),
    "reports.alerts.dismissed": _m("驳回预警", "Alerts dismissed"),
    "reports.infringements": _m("侵权信息记录", "Infringement records"),
    "reports.infringement": _m("侵权信息", "Infringement"),
    "reports.reason": _m("原因", "Reason"),
    "reports.kind_of": _m("类型", "Kind"),
    "reports.seller": _m("经营者", "Seller"),
    "reports.none": _m("无。", "None."),
    "reports.definitions": _m(
        "口径：按上海日历年度统计；证书状态为统计截止日的状态（当年为今天）；监督逾期指截止日仍有效或暂停、"
        "且应监督日早于截止日的证书；预警确认、驳回按处理时间计入年度。",
        "Definitions: Shanghai calendar year; certificate statuses as at the as-at day (today "
        "for the running year); overdue means valid or suspended on that day with the next "
        "visit due before it; alerts count as confirmed or dismissed in the year they were "
        "reviewed."),
    "reports.csv.key": _m("键", "key"),
    "reports.csv.label": _m("项目", "item"),
    "reports.csv.value": _m("数值", "value"),
    "reports.csv.date": _m("日期", "date"),
    "reports.csv.certificate": _m("证书编号", "certificate"),
    "reports.csv.holder": _m("主体", "holder"),
    "reports.csv.detail": _m("说明", "detail"),
}

MESSAGES: dict[str, dict[str, str]] = {**_LIFECYCLE, **_NEW, **_SURVEILLANCE, **_REPORTS}
