"""The console's own texts, Chinese first; anything not here comes from the public catalogue."""

from __future__ import annotations

from typing import Any

from verifier import i18n
from verifier.console import enforcement_messages, lifecycle_messages, transparency_messages

CONSOLE: dict[str, dict[str, str]] = {
    "console.title": {"zh": "认证联盟管理后台", "en": "Alliance staff console"},
    "console.login.title": {"zh": "工作人员登录", "en": "Staff sign-in"},
    "console.login.username": {"zh": "用户名", "en": "User name"},
    "console.login.password": {"zh": "密码", "en": "Password"},
    "console.login.submit": {"zh": "登录", "en": "Sign in"},
    "console.login.failed": {
        "zh": "用户名或密码不正确，或账户已被暂时锁定。",
        "en": "The user name or password is wrong, or the account is locked for a while.",
    },
    "console.login.throttled": {
        "zh": "登录尝试过于频繁，请稍后再试。",
        "en": "Too many sign-in attempts. Please wait and try again.",
    },
    "console.login.ended": {
        "zh": "您已退出登录。",
        "en": "You have signed out.",
    },
    "console.logout": {"zh": "退出登录", "en": "Sign out"},
    "console.signed_in_as": {"zh": "当前用户", "en": "Signed in as"},
    "console.nav.home": {"zh": "首页", "en": "Home"},
    "console.nav.audit": {"zh": "审计日志", "en": "Audit trail"},
    "console.nav.alerts": {"zh": "预警处理", "en": "Alerts"},
    "console.nav.infringements": {"zh": "侵权信息", "en": "Infringements"},
    "console.nav.credit": {"zh": "信用档案", "en": "Credit files"},
    "console.nav.surveillance": {"zh": "证后监督", "en": "Surveillance"},
    "console.nav.new_certificate": {"zh": "新建证书", "en": "New certificate"},
    "console.nav.reports": {"zh": "年度报告", "en": "Yearly reports"},
    "console.nav.log": {"zh": "透明日志", "en": "Transparency log"},
    "console.nav.users": {"zh": "用户管理", "en": "Users"},
    "console.nav.password": {"zh": "修改密码", "en": "Change password"},
    "console.role.alliance_admin": {"zh": "联盟管理员", "en": "Alliance administrator"},
    "console.role.alliance_reviewer": {"zh": "联盟审核员", "en": "Alliance reviewer"},
    "console.role.body_officer": {"zh": "认证机构人员", "en": "Certification body officer"},
    "console.role.holder": {"zh": "获证主体", "en": "Certificate holder"},
    "console.home.certificates": {"zh": "可查看的证书", "en": "Certificates you can see"},
    "console.home.count": {"zh": "共 {count} 张", "en": "{count} in all"},
    "console.home.none": {"zh": "暂无证书。", "en": "No certificates."},
    "console.home.alerts": {"zh": "预警", "en": "Alerts"},
    "console.alerts.open": {"zh": "待处理", "en": "Open"},
    "console.alerts.confirmed": {"zh": "已确认", "en": "Confirmed"},
    "console.alerts.dismissed": {"zh": "已驳回", "en": "Dismissed"},
    "console.col.number": {"zh": "证书编号", "en": "Number"},
    "console.col.holder": {"zh": "获证主体", "en": "Holder"},
    "console.col.body": {"zh": "认证机构", "en": "Body"},
    "console.col.scheme": {"zh": "类别", "en": "Scheme"},
    "console.col.status": {"zh": "状态", "en": "Status"},
    "console.col.valid_until": {"zh": "有效期至", "en": "Valid until"},
    "console.col.next_surveillance": {"zh": "下次监督", "en": "Next surveillance"},
    "console.col.open_alerts": {"zh": "待处理预警", "en": "Open alerts"},
    "console.col.public": {"zh": "公开页面", "en": "Public page"},
    "console.col.history": {"zh": "状态记录", "en": "Status history"},
    "console.public_link": {"zh": "查看", "en": "View"},
    "console.certificate.title": {"zh": "证书 {number}", "en": "Certificate {number}"},
    "console.audit.title": {"zh": "审计日志", "en": "Audit trail"},
    "console.audit.intro": {
        "zh": "每一项操作和登录尝试都会记录在此，记录只增不改。",
        "en": "Every staff action and sign-in attempt is recorded here; records are never changed.",
    },
    "console.audit.time": {"zh": "时间", "en": "Time"},
    "console.audit.actor": {"zh": "操作人", "en": "Actor"},
    "console.audit.action": {"zh": "操作", "en": "Action"},
    "console.audit.target": {"zh": "对象", "en": "Target"},
    "console.audit.change": {"zh": "变更", "en": "Change"},
    "console.audit.client": {"zh": "客户端摘要", "en": "Client hash"},
    "console.audit.filter": {"zh": "筛选", "en": "Filter"},
    "console.pager.newer": {"zh": "较新", "en": "Newer"},
    "console.pager.older": {"zh": "较早", "en": "Older"},
    "console.pager.previous": {"zh": "上一页", "en": "Previous"},
    "console.pager.next": {"zh": "下一页", "en": "Next"},
    "console.pager.at": {"zh": "第 {page} / {pages} 页", "en": "Page {page} of {pages}"},
    "console.users.title": {"zh": "用户管理", "en": "Users"},
    "console.users.username": {"zh": "用户名", "en": "User name"},
    "console.users.name": {"zh": "姓名", "en": "Name"},
    "console.users.role": {"zh": "角色", "en": "Role"},
    "console.users.scope": {"zh": "所属", "en": "Belongs to"},
    "console.users.state": {"zh": "状态", "en": "State"},
    "console.users.active": {"zh": "启用", "en": "Active"},
    "console.users.disabled": {"zh": "已停用", "en": "Disabled"},
    "console.users.locked": {"zh": "锁定至 {until}", "en": "Locked until {until}"},
    "console.users.disable": {"zh": "停用", "en": "Disable"},
    "console.users.enable": {"zh": "启用", "en": "Enable"},
    "console.users.unlock": {"zh": "解除锁定", "en": "Unlock"},
    "console.users.add_hint": {
        "zh": "新用户通过命令 shangpin users add 添加。",
        "en": "New users are added with the command shangpin users add.",
    },
    "console.users.self": {
        "zh": "不能停用自己的账户。", "en": "You cannot disable your own account.",
    },
    "console.password.title": {"zh": "修改密码", "en": "Change password"},
    "console.password.current": {"zh": "当前密码", "en": "Current password"},
    "console.password.new": {"zh": "新密码", "en": "New password"},
    "console.password.again": {"zh": "再次输入新密码", "en": "New password again"},
    "console.password.submit": {"zh": "保存", "en": "Save"},
    "console.password.rules": {
        "zh": "至少 12 个字符，不能包含用户名。",
        "en": "At least 12 characters, and not containing the user name.",
    },
    "console.password.wrong": {"zh": "当前密码不正确。", "en": "The current password is wrong."},
    "console.password.mismatch": {
        "zh": "两次输入的新密码不一致。", "en": "The two new passwords differ.",
    },
    "console.password.weak": {
        "zh": "新密码不符合要求：至少 12 个字符、至少 4 种不同字符，且不能包含用户名。",
        "en": "The new password is too weak: at least 12 characters, 4 different "
              "characters, and not containing the user name.",
    },
    "console.password.changed": {
        "zh": "密码已修改，其他设备上的登录已退出。",
        "en": "Password changed; every other signed-in browser has been signed out.",
    },
    "console.forbidden": {
        "zh": "您的角色无权执行此操作。",
        "en": "Your role does not allow this.",
    },
    "console.csrf": {
        "zh": "该请求未通过安全校验，未做任何更改。请返回页面后重试。",
        "en": "This request failed the security check and nothing was changed. "
              "Go back, reload the page and try again.",
    },
    "console.not_found": {"zh": "找不到该记录。", "en": "No such record."},
    "console.back": {"zh": "返回后台首页", "en": "Back to the console"},
}

# Each feature keeps its texts beside its pages.
for _feature in (enforcement_messages, lifecycle_messages, transparency_messages):
    CONSOLE.update(_feature.MESSAGES)


def translator(language: str) -> Any:
    """``t(key, **values)`` over the console texts, then the public ones."""
    try:
        return _TRANSLATORS[language]
    except KeyError:
        pass
    public = i18n.translator(language)

    def t(key: str, **values: object) -> str:
        entry = CONSOLE.get(key)
        if entry is None:
            return str(public(key, **values))
        text = entry.get(language) or entry[i18n.DEFAULT]
        return text.format(**values) if values else text

    if language in i18n.LANGUAGES:
        _TRANSLATORS[language] = t
    return t


_TRANSLATORS: dict[str, Any] = {}
