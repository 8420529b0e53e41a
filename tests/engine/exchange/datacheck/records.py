"""Hand-made register and tax-side records for the matching and data-inspection tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from engine.credit.models import CreditFact
from engine.exchange.datacheck.models import MonitoredMonth
from engine.exchange.models import TaxReturn, TaxSource, TaxTaxpayer
from engine.monitoring.models import Enterprise, MonitoringPoint, PointFactor


def credit_code(n: int, region: str = "440106") -> str:
    body = f"9144{region[2:6]}MA{n:07d}"
    return body + uscc.calc_check_digit(body)


@dataclass
class Records:
    """Adds rows with the least each test must say; everything else takes a plain default."""

    session: Session

    def enterprise(self, code: str, region: str = "440106", *, permit: str = "91440106-001P",
                   permit_from: date | None = date(2024, 1, 1), permit_to: date | None = date(2029, 12, 31),
                   name: str = "测试企业") -> Enterprise:
        row = Enterprise(credit_code=code, name=name, region_code=region, permit_number=permit,
                         permit_valid_from=permit_from, permit_valid_to=permit_to)
        self.session.add(row)
        self.session.flush()
        return row

    def point(self, enterprise: Enterprise, outlet: str, *, kind: str = "air", mn: str | None = None,
              factors: dict[str, float | None] | None = None) -> MonitoringPoint:
        row = MonitoringPoint(enterprise_id=enterprise.id, mn=mn or f"MN{enterprise.id:04d}{outlet}", name=outlet,
                              outlet_code=outlet, kind=kind, password_hash="x")
        self.session.add(row)
        self.session.flush()
        for code, limit in (factors or {"a21026": 50.0}).items():
            self.session.add(PointFactor(point_id=row.id, code=code, upper_limit=limit, rule_params={}))
        self.session.flush()
        return row

    def taxpayer(self, code: str, region: str = "440106", name: str = "测试纳税人") -> TaxTaxpayer:
        row = TaxTaxpayer(record_key=code, batch_id=1, digest="d", credit_code=code, name=name, region_code=region)
        self.session.add(row)
        self.session.flush()
        return row

    def source(self, code: str, source_no: str, outlet: str, pollutant: str = "a21026", *,
               method: str = "automatic", valid_from: date = date(2024, 1, 1)) -> TaxSource:
        row = TaxSource(record_key=source_no, batch_id=1, digest="d", source_no=source_no, credit_code=code,
                        outlet_code=outlet, pollutant_kind="air", pollutant_code=pollutant, method=method,
                        valid_from=valid_from)
        self.session.add(row)
        self.session.flush()
        return row

    def tax_return(self, source: TaxSource, month: str, emission_kg: float, concentration: float | None = None,
                   **extra: Any) -> TaxReturn:
        row = TaxReturn(record_key=f"R-{source.source_no}/{month}", batch_id=1, digest="d", return_no=f"R-{month}",
                        credit_code=source.credit_code, source_no=source.source_no, outlet_code=source.outlet_code,
                        pollutant_code=source.pollutant_code, month=month, concentration=concentration,
                        concentration_unit="mg/m3", emission_kg=emission_kg, tax_amount=Decimal("100.00"),
                        declared_on=date(2026, 10, 10), **extra)
        self.session.add(row)
        self.session.flush()
        return row

    def monitored(self, point: MonitoringPoint, month: str, emission_kg: float, *, factor: str = "a21026",
                  valid_days: int = 30, mean: float | None = 20.0) -> MonitoredMonth:
        row = MonitoredMonth(month=month, point_id=point.id, factor=factor, emission_kg=emission_kg,
                             valid_days=valid_days, periods=valid_days * 24, mean_concentration=mean)
        self.session.add(row)
        self.session.flush()
        return row

    def penalty(self, code: str, on: date) -> CreditFact:
        row = CreditFact(enterprise_code=code, kind="penalty", occurred_on=on, reference="穗环罚〔2026〕1号",
                         source="test", entered_by="admin")
        self.session.add(row)
        self.session.flush()
        return row
