from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.reports.builders import KINDS


class ReportRequestSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(KINDS)),
                         metadata={"description": "monthly (月报), monthly_pdf, annual (年度总结), annual_pdf, "
                                                  "supervision_ledger (督办台账), base_list (安装联网基数排查表), support_table (技术支持表), "
                                                  "credit_results (信用评价结果), tax_sync / tax_sync_pdf (数据同步情况统计表), "
                                                  "tax_review_ledger (涉税复核台账), tax_inspection / tax_inspection_pdf "
                                                  "(数据监查表), tax_statistics / tax_statistics_pdf (环保税涉税信息统计报表)"})
    period = fields.String(required=True, validate=validate.Regexp(r"^\d{4}(-\d{2})?$"),
                           metadata={"example": "2026-10", "description": "YYYY-MM, or YYYY for yearly reports"})
    industry = fields.String(load_default="", validate=validate.Length(max=100),
                             metadata={"description": "the supervision ledger's industry (empty: all)"})


class ReportRunSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    period = fields.String(required=True)
    region_code = fields.String(required=True, metadata={"description": "the scope the report covers"})
    status = fields.String(required=True, metadata={"description": "queued, running, done or failed"})
    scheduled = fields.Boolean(required=True)
    attempts = fields.Integer(required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.DateTime(required=True)
    finished_at = fields.DateTime(allow_none=True)
    filename = fields.String(allow_none=True)
    media_type = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    sha256 = fields.String(allow_none=True)
