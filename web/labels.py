"""One home for the words the UI shows for codes: audit actions and their payload keys, roles, actors, rule and
setting keys, process and step names, notification prefixes, error texts.

Every label is a lazy Chinese msgid with its English in the catalogue; tests/web/test_translations.py enumerates
the codes from the code and the bundled data and fails on any without a label or an English translation.
Process and step names come from the bundled BPMN files (extracted by :mod:`web.babel_bpmn`); a name that the
catalogue knows is translated wherever a template prints it (:func:`translated_output`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from flask_babel import get_locale, gettext, lazy_gettext as _l
from markupsafe import Markup

from engine import errors
from engine.instances.page import display_names
from web.babel_bpmn import process_names, step_names
from web.database import db

ROLE_LABELS: Mapping[str, Any] = {
    "enterprise": _l("企业"),
    "county_reviewer": _l("区县审核"),
    "city_reviewer": _l("地市审核"),
    "province_reviewer": _l("省级审核"),
    "admin": _l("系统管理员"),
    "tax_client": _l("税务部门"),
}

ACTORS: Mapping[str, Any] = {
    "system": _l("系统"),
    "scheduler": _l("系统"),
    "demo-seed": _l("演示数据"),
    "?": _l("未知用户"),
}
"""Accounts that are not people: the engine acts as ``system``."""

ACTIONS: Mapping[str, Any] = {
    "instance.start": _l("发起"),
    "instance.suspend": _l("挂起"),
    "instance.resume": _l("恢复"),
    "instance.terminate": _l("终止"),
    "instance.migrate": _l("迁移到新版本"),
    "instance.archive": _l("归档"),
    "task.complete": _l("办理"),
    "task.claim": _l("签收"),
    "task.unclaim": _l("取消签收"),
    "task.return": _l("驳回"),
    "task.withdraw": _l("撤回"),
    "task.transfer": _l("转办"),
    "task.delegate": _l("委派"),
    "task.delegate_answer": _l("回复委派"),
    "task.copy": _l("抄送"),
    "task.urge": _l("催办"),
    "task.draft": _l("暂存"),
    "timer.fire": _l("到期提醒"),
    "deadline.recompute": _l("重新计算期限"),
    "evidence.upload": _l("上传证据"),
    "evidence.download": _l("下载证据"),
    "evidence.link": _l("关联证据"),
    "process.deploy": _l("部署流程"),
    "process.activate": _l("启用流程版本"),
    "config.change": _l("修改配置"),
    "calendar.seed": _l("导入节假日安排"),
    "calendar.set_year": _l("录入节假日安排"),
    "auth.login": _l("登录"),
    "auth.login_failed": _l("登录失败"),
    "auth.account_locked": _l("账号已锁定"),
    "auth.session_end": _l("会话结束"),
    "audit.verify": _l("校验审计链"),
    "user.create": _l("创建用户"),
    "user.list": _l("查看用户列表"),
    "user.disable": _l("停用用户"),
    "user.enable": _l("启用用户"),
    "directory.user_search": _l("查询目录用户"),
    "directory.user_create": _l("在目录中创建用户"),
    "directory.group_add": _l("授予角色"),
    "directory.group_remove": _l("撤销角色"),
    "directory.user_disable": _l("在目录中停用用户"),
    "token.create": _l("创建访问令牌"),
    "token.revoke": _l("吊销访问令牌"),
    "token.logout": _l("访问令牌自行注销"),
    "auth.token_logout": _l("API 注销登录"),
    "auth.token_revoke": _l("注销用户的访问令牌"),
    "auth.password_change": _l("修改密码"),
    "user.password_reset": _l("重置密码"),
    "instance.incident": _l("流程出错挂起"),
    "notification.preferences": _l("修改通知设置"),
    "report.request": _l("申请生成报表"),
    "runstate.alert": _l("运行告警"),
    "runstate.alert_cleared": _l("运行告警解除"),
    "monitoring.case_open": _l("监测异常立案"),
    "monitoring.anomaly_join": _l("并入新的异常数据"),
    "monitoring.anomaly_cleared": _l("异常数据已修正"),
    "monitoring.anomaly_restored": _l("异常数据恢复"),
    "monitoring.downtime_add": _l("登记停运时段"),
    "monitoring.enterprise_register": _l("登记企业"),
    "monitoring.point_register": _l("登记监测点"),
    "monitoring.factor_change": _l("修改监测因子"),
    "monitoring.rule_change": _l("修改异常规则"),
    "monitoring.rules_activate": _l("启用异常规则草案"),
    "replay.request": _l("申请规则预演"),
    "replay.cancel": _l("取消规则预演"),
    "replay.export": _l("导出规则预演结果"),
    "replay.draft_save": _l("保存异常规则草案"),
    "monitoring.import": _l("导入监测数据"),
    "monitoring.ingest": _l("接收监测数据"),
    "anomaly.conclude": _l("办结结论"),
    "anomaly.refer": _l("移交执法"),
    "credit.propose": _l("拟定信用评价"),
    "credit.publish": _l("发布信用评价"),
    "credit.level_change": _l("信用等级变更"),
    "credit.notice": _l("信用评价告知"),
    "credit.objection_decided": _l("异议已裁定"),
    "credit.objection_lapsed": _l("异议逾期"),
    "credit.repair_refused": _l("信用修复不予受理"),
    "credit.rules_change": _l("修改信用评价规则"),
    "credit.facts": _l("录入信用评价事实"),
    "credit.round_open": _l("开启年度信用评价"),
    "credit.round_adjust": _l("调整拟评价等级"),
    "credit.round_county": _l("区县初审确认"),
    "credit.round_city": _l("地市复核确认"),
    "credit.round_publish": _l("公布年度信用评价结果"),
    "tax.answer": _l("复核反馈"),
    "tax.urge": _l("复核催办"),
    "tax.escalate": _l("复核升级"),
    "exchange.rules_change": _l("修改数据监查规则"),
    "exchange.match_resolve": _l("处理未匹配的涉税记录"),
    "exchange.inspection_run": _l("运行数据监查"),
    "exchange.verification_start": _l("发起监查核实"),
    "exchange.verification_answer": _l("监查核实结论"),
    "exchange.receive": _l("接收涉税交换批次"),
    "exchange.pull": _l("税务部门拉取交换数据"),
    "exchange.publish": _l("生成涉税交换数据"),
    "exchange.schedule": _l("修改涉税交换计划"),
    "exchange.alert": _l("涉税交换告警"),
    "exchange.supervisory": _l("录入监督性监测结果"),
    "emergency.filed": _l("预案备案"),
    "emergency.refused": _l("预案退回"),
    "library.drafted": _l("资源库条目起草"),
    "library.revised": _l("资源库条目修改"),
    "library.submitted": _l("资源库条目提交审核"),
    "library.returned": _l("资源库条目退回"),
    "library.published": _l("资源库条目发布"),
    "library.seeded": _l("资源库初始数据导入"),
    "library.attachment_added": _l("资源库条目添加附件"),
    "library.attachment_removed": _l("资源库条目移除附件"),
    "risk.assessed": _l("环境风险等级评估登记"),
    "risk.substances_saved": _l("环境风险物质登记"),
    "risk.rules_changed": _l("环境风险规则修改"),
    "ticket.closed": _l("工单关闭"),
    "ticket.escalated": _l("工单上报"),
    "register.enterprise_import": _l("企业名录导入或修改"),
    "register.point_import": _l("监测点位导入或修改"),
    "register.account_create": _l("创建企业账号"),
    "register.accounts_close": _l("停用已关闭企业的账号"),
    "inspection.dispatch": _l("派发现场检查"),
    "inspection.dispatch_plan": _l("按计划派发检查任务"),
    "inspection.inspected": _l("现场检查双人确认"),
    "inspection.conclude": _l("作出检查结论"),
    "inspection.refer": _l("移送立案查处"),
    "inspection.escalate": _l("检查审核升级地市"),
    "inspection.urge": _l("检查催办"),
    "inspection.publish": _l("公开检查结果"),
    "inspection.follow_up": _l("整改复查"),
    "inspection.rules_change": _l("修改双随机抽查规则"),
    "inspection.classify": _l("重新计算检查对象类别"),
    "inspection.class_adjust": _l("人工调整检查对象类别"),
    "inspection.directory_sync": _l("从企业名录同步检查对象"),
    "inspection.project_add": _l("登记环评或验收项目"),
    "inspection.officer_save": _l("维护执法检查人员"),
    "inspection.officer_link": _l("登记执法人员回避企业"),
    "inspection.item_save": _l("维护抽查事项"),
    "inspection.plan_create": _l("制定抽查计划"),
    "inspection.campaign_targets": _l("登记专项行动目标"),
    "inspection.draw_commit": _l("冻结抽取输入并登记种子承诺"),
    "inspection.draw_run": _l("执行随机抽取"),
    "inspection.draw_reveal": _l("公开随机种子"),
    "inspection.draw_read": _l("查看抽取名单"),
    "inspection.assignment_read": _l("查看检查任务"),
    "inspection.assignments_read": _l("查看本人检查任务"),
}

EXCHANGE_CATEGORIES: Mapping[str, Any] = {
    "review_requests": _l("复核提请"), "taxpayers": _l("纳税人基础信息"), "tax_sources": _l("税源信息"),
    "tax_returns": _l("申报信息"), "tax_payments": _l("入库信息"), "online_monitoring": _l("在线监测数据"),
    "supervisory_monitoring": _l("监督性监测数据"), "permits": _l("排污许可及排放口"), "penalties": _l("行政处罚"),
    "review_feedback": _l("复核反馈"),
}
"""The ten categories of the tax exchange (engine.exchange.categories.Category)."""

AREAS: Mapping[str, Any] = {
    "instance": _l("流程实例"), "task": _l("待办"), "timer": _l("计时器"), "deadline": _l("期限"),
    "evidence": _l("证据"), "process": _l("流程模型"), "config": _l("流程配置"), "calendar": _l("工作日历"),
    "auth": _l("登录"), "audit": _l("审计"), "user": _l("用户"), "directory": _l("目录"), "token": _l("访问令牌"),
    "runstate": _l("运行监控"), "notification": _l("通知"), "report": _l("报表"), "monitoring": _l("在线监测"),
    "anomaly": _l("异常处置"),
    "credit": _l("信用评价"), "tax": _l("涉税复核"), "emergency": _l("应急预案"), "library": _l("应急资源库"),
    "ticket": _l("技术支持"), "register": _l("名录管理"), "replay": _l("规则预演"),
    "exchange": _l("涉税交换"), "inspection": _l("双随机抽查"), "risk": _l("环境风险源"),
}
"""The first part of an action (the audit log's filter offers 'all of an area')."""

RULES: Mapping[str, Any] = {
    "exceedance": _l("超标"), "zero": _l("零值"), "constant": _l("恒值"), "negative": _l("负值"),
    "over_range": _l("超量程"), "missing": _l("数据缺失"), "sudden_change": _l("突变"), "flag": _l("数据标记"),
    "grouping": _l("任务合并与重复异常"), "validity": _l("有效数据判定"), "rates": _l("传输率与有效率"),
}
"""Anomaly rules and monitoring settings groups (engine.monitoring.rules.DEFAULTS)."""

EXCHANGE_RULES: Mapping[str, Any] = {
    "declared_below_monitored": _l("申报排放量低于自动监测排放量"),
    "outlets_without_source": _l("有许可排放口但无税源登记"),
    "source_without_permit": _l("税源无有效排污许可"),
    "monitoring_without_return": _l("有监测数据但未申报"),
    "exceedance_without_penalty": _l("申报浓度超标但无处罚记录"),
    "declared_without_monitoring": _l("申报自动监测浓度但无有效监测数据"),
}
"""Data-inspection rules (engine.exchange.datacheck.rule_defaults.RULES)."""

EXCHANGE_RULE_PARAMS: Mapping[str, Any] = {
    "enabled": _l("启用"), "threshold_percent": _l("申报低于监测的幅度（%）"),
    "min_monitored_kg": _l("监测排放量下限（千克）"), "key_units_only": _l("仅重点排污单位"),
    "filing_days_after_quarter": _l("季度终了后申报期（日）"), "min_valid_days": _l("最少有效监测天数"),
    "tolerance_percent": _l("超标容差（%）"), "penalty_lookback_months": _l("处罚回溯期（月）"),
}
"""Data-inspection rule parameters (engine.exchange.datacheck.rule_defaults.SPECS)."""

RULE_PARAMS: Mapping[str, Any] = {
    "enabled": _l("启用"),
    "count": _l("连续次数"),
    "tolerance": _l("容差"),
    "deadline_minutes": _l("数据到达期限（分钟）"),
    "lookback_hours": _l("回溯时长（小时）"),
    "ratio": _l("突变倍数"),
    "min_delta": _l("最小变化量"),
    "flags": _l("视为异常的数据标记"),
    "invalid_flags": _l("视为无效的数据标记"),
    "join_gap_hours": _l("并入同一任务的间隔（小时）"),
    "repeat_window_days": _l("重复异常统计期（天）"),
    "repeat_threshold": _l("判为重复的次数"),
    "cn": _l("计算所用数据类型（CN）"),
    "validity_denominator": _l("有效率分母"),
    "timeliness_deadline_minutes": _l("及时上传期限（分钟）"),
    "pass_line": _l("达标线"),
}
"""Rule and setting parameters (engine.monitoring.rules._SPECS)."""

PAYLOAD_KEYS: Mapping[str, Any] = {
    "assignment": _l("抽查任务"), "draw": _l("抽取"), "dispatched": _l("派发数"),
    "unit_status": _l("单位状态"), "problem_found": _l("发现问题"), "referred_to": _l("移送单位"),
    "in_time": _l("按期"),
    "round": _l("评价轮次"), "rules": _l("评价规则"), "rules_version": _l("规则版本"), "enterprises": _l("参评企业数"),
    "score": _l("得分记录"), "evidence": _l("证明材料"), "county": _l("区县"), "approved_unchanged": _l("确认未调整数"),
    "city": _l("地市"), "facts": _l("事实"),
    "rows": _l("名录行"), "usernames": _l("账号"),
    "alert": _l("告警编号"), "figure": _l("指标"), "value": _l("数值"), "threshold": _l("阈值"),
    "config_version": _l("配置版本"), "request_id": _l("请求编号"),
    "entry": _l("资源库条目"), "library": _l("资源库"), "number": _l("版本号"), "remarks": _l("审核意见"),
    "after": _l("修改后"), "anomaly_id": _l("异常编号"), "anomaly_type": _l("异常类型"), "attachment": _l("附件"),
    "attachments": _l("附件"), "auto_closed": _l("自动关闭"), "automatic": _l("自动"), "back_to": _l("退回至"),
    "before": _l("修改前"), "broken_at": _l("断开位置"), "business_key": _l("业务编号"), "case": _l("案件"),
    "case_id": _l("案件编号"), "changed": _l("修改项"), "changes": _l("变更"), "checked": _l("已校验"),
    "client": _l("客户端"), "conclusion": _l("结论"), "credit_code": _l("统一社会信用代码"), "data": _l("数据"),
    "display_name": _l("姓名"), "due_before": _l("到期时间"), "email": _l("邮箱地址"),
    "email_enabled": _l("邮件提醒"), "ended_at": _l("结束时间"), "ends_at": _l("结束时间"), "enterprise": _l("企业"),
    "expires_at": _l("过期时间"), "factor": _l("监测因子"), "failures": _l("失败次数"), "fields": _l("字段"),
    "filing": _l("备案"), "filing_number": _l("备案编号"), "found": _l("结果数"), "from": _l("原状态"),
    "holder": _l("办理人"), "key": _l("标识"), "kind": _l("类型"), "level": _l("等级"), "login": _l("账号"),
    "mn": _l("监测点 MN"), "name": _l("名称"), "next": _l("后续步骤"), "note": _l("说明"), "notes": _l("说明"),
    "notice": _l("告知书"), "objection": _l("异议"), "ok": _l("完整"), "opinion": _l("意见"), "outcome": _l("结果"),
    "outcomes": _l("结果"), "packets": _l("数据包数"), "params": _l("参数"), "period": _l("时段"),
    "period_start": _l("开始时间"), "period_end": _l("结束时间"), "point_id": _l("监测点编号"),
    "prefix": _l("前缀"), "previous": _l("原值"), "process": _l("流程"), "query": _l("查询条件"),
    "rating": _l("信用评价"), "ratings": _l("信用评价"), "reason": _l("原因"), "records": _l("记录数"),
    "reference_no": _l("文号"), "referral": _l("移交"), "region": _l("行政区划"), "region_code": _l("行政区划"),
    "reopened": _l("重新打开次数"), "repair": _l("信用修复"), "replaced": _l("被替换"),
    "request_no": _l("申请编号"), "result": _l("结果"), "return_rounds": _l("退回次数"), "role": _l("角色"),
    "roles": _l("角色"), "routed_type": _l("流转类型"), "rule": _l("规则"), "run": _l("报表或预演编号"), "draft_id": _l("规则草案编号"), "scope": _l("范围"), "draft": _l("草案内容"),
    "sessions_ended": _l("结束的会话数"), "tokens_ended": _l("注销的令牌数"), "ended": _l("注销数"),
    "error": _l("错误"), "directory": _l("目录账号"), "sha256": _l("SHA-256 摘要"), "source": _l("来源"),
    "starts_at": _l("开始时间"), "step": _l("步骤"), "tasks": _l("待办"), "ticket": _l("工单"), "timer": _l("计时器"),
    "timers": _l("计时器"), "title": _l("标题"), "to": _l("接收人"), "token": _l("令牌"), "until": _l("截止"),
    "username": _l("用户名"), "values": _l("数值"), "version": _l("版本"), "was_claimed_by": _l("原签收人"),
    "year": _l("年份"), "years": _l("年份"),
    "record_key": _l("记录标识"), "resolution": _l("处理方式"), "enterprise_id": _l("企业编号"),
    "month": _l("所属月份"), "rule_version": _l("规则版本"), "new": _l("新增数"), "cleared": _l("消除数"),
    "finding": _l("监查发现"),
    "batch": _l("批次编号"), "batch_no": _l("批次号"), "category": _l("数据类别"), "accepted": _l("接收数"),
    "corrected": _l("更正数"), "unchanged": _l("重复数"), "refused": _l("拒收数"), "cursor": _l("游标"),
    "due_at": _l("应交换时间"), "lag_hours": _l("滞后小时数"), "reports": _l("监测报告"), "batches": _l("批次"),
    "detail": _l("详情"),
    "plan": _l("抽查计划"), "commitment": _l("种子承诺值"), "inputs_hash": _l("输入清单摘要"), "added": _l("新增数"),
    "q": _l("Q 值"), "assessment": _l("风险评估"), "assessed_on": _l("评估日期"), "expression": _l("分级表征"),
}
"""Keys of audit payloads (the audit log shows them as a labelled list)."""

REPORT_KINDS: Mapping[str, Any] = {
    "monthly": _l("月报"), "monthly_pdf": _l("月报（PDF）"), "annual": _l("年度总结"), "annual_pdf": _l("年度总结（PDF）"),
    "supervision_ledger": _l("督办台账"), "base_list": _l("安装联网基数排查表"), "support_table": _l("技术支持表"),
    "credit_results": _l("信用评价结果"), "tax_sync": _l("数据同步情况统计表"),
    "tax_sync_pdf": _l("数据同步情况统计表（PDF）"), "tax_review_ledger": _l("涉税复核台账"),
    "tax_inspection": _l("数据监查表"), "tax_inspection_pdf": _l("数据监查表（PDF）"),
    "tax_statistics": _l("环保税涉税信息统计报表"), "tax_statistics_pdf": _l("环保税涉税信息统计报表（PDF）"),
    "emergency_monthly": _l("省级环境应急业务数据月报"), "emergency_monthly_pdf": _l("省级环境应急业务数据月报（PDF）"),
    "emergency_annual": _l("环境应急管理工作总结报告"), "emergency_annual_pdf": _l("环境应急管理工作总结报告（PDF）"),
    "monitoring_policy_list": _l("国家重点污染源自动监控政策文件清单"),
    "credit_round": _l("广东省企业环境信用评价结果（年度评价）"),
    "credit_statistics": _l("信用平台统计报表（月报；按年为年度总结）"),
    "inspection_statistics": _l("双随机抽查统计报表（月报；按年为年度总结）"),
    "inspection_statistics_pdf": _l("双随机抽查统计报表（PDF）"),
}
"""Report kinds (engine.reports.builders.KINDS); a page printing a kind's Chinese title shows it translated."""

NOTICE_PREFIXES: tuple[tuple[str, Any], ...] = (
    ("新待办：", _l("新待办：")),
    ("被退回，请重新办理：", _l("被退回，请重新办理：")),
    ("催办：", _l("催办：")),
    ("转办给您：", _l("转办给您：")),
    ("请提出意见：", _l("请提出意见：")),
    ("抄送：", _l("抄送：")),
    ("已逾期，请尽快办理：", _l("已逾期，请尽快办理：")),
    ("24 小时内到期：", _l("24 小时内到期：")),
    ("办结通知：", _l("办结通知：")),
)
"""The engine's Chinese notification titles start with one of these (engine.notifications.centre)."""

ERROR_TEXTS: tuple[tuple[type[errors.EcoLoopError], Any], ...] = (
    (errors.TaskNotFound, _l("找不到该待办：它可能已办结、已被他人处理，或不在您的办理范围内。")),
    (errors.InstanceNotFound, _l("找不到该流程实例，或它不在您的查看范围内。")),
    (errors.ProcessNotFound, _l("找不到该流程。")),
    (errors.AttachmentNotFound, _l("找不到该附件，或它不在您的查看范围内。")),
    (errors.NotFound, _l("找不到所请求的内容，或它不在您的查看范围内。")),
    (errors.NotAllowed, _l("您的角色无权执行此操作。")),
    (errors.PreconditionFailed, _l("内容已被他人修改，请刷新后重试。")),
    (errors.Conflict, _l("状态已变化（例如已被办理），请刷新后重试。")),
    (errors.InvalidInput, _l("提交的内容有误，请检查后重试。")),
    (errors.InvalidModel, _l("流程模型有误，无法部署。")),
    (errors.InvalidFile, _l("文件类型不被接受或文件已损坏。")),
    (errors.AuthenticationFailed, _l("用户名或密码错误，或账号已停用。")),
    (errors.DirectoryUnavailable, _l("目录服务暂不可用，请稍后重试。")),
    (errors.InvalidIdentity, _l("目录中的账号信息有误，请联系管理员。")),
)
"""What a page says for an engine error whose own text is not in the reader's language."""


def label(table: Mapping[str, Any], code: Any) -> str:
    """The label of a code in a table, or the code itself when the table does not know it."""
    return str(table.get(str(code), code if code is not None else ""))


def actor_name(username: str | None, names: Mapping[str, str] | None = None) -> str:
    """A person's display name (from ``names``), the word for a system account, or the user name."""
    if not username:
        return ""
    if names and names.get(username):
        return names[username]
    return str(ACTORS.get(username, username))


def error_text(error: errors.EcoLoopError) -> str:
    """An engine error in the reader's language: its own words when it has them, else the error kind in words.

    Engine messages are Chinese with the English in brackets ("用户名或密码错误 (wrong user name or password)"),
    Chinese only, or English only ("task … not found"); a page shows the part in the reader's language.
    """
    chinese, english = _split(error.message)
    mine = english if _english() else chinese
    return mine or str(next((text for kind, text in ERROR_TEXTS if isinstance(error, kind)), error.message))


def _split(message: str) -> tuple[str, str]:
    """("中文", "English") of a message; either is empty when the message does not have it."""
    if not _CJK.search(message):
        return "", message
    if message.endswith(")") and " (" in message:
        head, _, tail = message[:-1].rpartition(" (")
        if head and not _CJK.search(tail):
            return head, tail
    return message, ""


_CJK = re.compile(r"[\u4e00-\u9fff]")


def payload_items(payload: Any) -> list[tuple[str, str]]:
    """An audit payload as (label, value) rows; codes in words, nested objects as key: value, lists joined."""
    if not isinstance(payload, Mapping):
        return [("", _plain(payload))] if payload not in (None, "", {}) else []
    return [(label(PAYLOAD_KEYS, key), _plain(value, str(key))) for key, value in payload.items()
            if value not in (None, "", [])]


def _plain(value: Any, key: str = "") -> str:
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if isinstance(value, Mapping):
        return "；".join(f"{label(PAYLOAD_KEYS, k)}: {_plain(v, str(k))}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return "、".join(_plain(v, key) for v in value)
    if value is None:
        return ""
    words = _VALUE_WORDS.get(key)
    return words(str(value)) if words else str(value)


def _step(code: str) -> str:
    return bundled_name(step_names().get(code, code))


_VALUE_WORDS = {
    "role": lambda code: label(ROLE_LABELS, code), "roles": lambda code: label(ROLE_LABELS, code),
    "process": lambda code: process_label(code), "step": _step, "next": _step, "tasks": _step,
    "rule": lambda code: label(RULES, code), "changed": lambda code: label(RULE_PARAMS, code),
    "to": lambda code: person(code), "holder": lambda code: person(code), "username": lambda code: person(code),
    "was_claimed_by": lambda code: person(code),
}
"""Payload values that are codes: shown as the words for them."""


def notice_title(title: str) -> str:
    """A stored notification title in the reader's language: its prefix and the step name translated."""
    for chinese, translated in NOTICE_PREFIXES:
        if title.startswith(chinese):
            rest, _, subject = title[len(chinese):].partition(" · ")
            rest = bundled_name(rest)
            return f"{translated}{rest}" + (f" · {subject}" if subject else "")
    return title


def process_label(key: str) -> str:
    """A process key's name: the bundled model's name in the reader's language, else the key."""
    name = process_names().get(key)
    return bundled_name(name) if name else key


def action_area(area: str) -> str:
    """The words for an action's area (``task`` of ``task.claim``)."""
    return label(AREAS, area)


def bundled_name(text: str) -> str:
    """A process or step name of a bundled model in the reader's language (unknown names stay as they are)."""
    if not text or not _english():
        return text
    translated = gettext(text)
    return translated if translated else text


def _english() -> bool:
    if not has_request_context():
        return False
    if "labels_english" not in g:
        g.labels_english = str(get_locale()) == "en"
    return bool(g.labels_english)


def translated_output(value: Any) -> Any:
    """Jinja's ``finalize``: in English, a printed process or step name of a bundled model is translated.

    Chinese pages print everything as it is; markup and non-text values pass through.
    """
    if type(value) is str and value and _english() and not isinstance(value, Markup):
        return notice_title(value) if "：" in value else bundled_name(value)
    return value


def person(username: str | None) -> str:
    """A user name as the person's display name, looked up once per request (system accounts in words)."""
    if not username:
        return ""
    if username in ACTORS:
        return actor_name(username)
    known: dict[str, str] = g.setdefault("display_names", {})
    if username not in known:
        known.update({username: username, **display_names(db(), {username})})
    return known[username]
