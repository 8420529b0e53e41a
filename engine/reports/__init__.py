"""Statistics and report deliverables (月报, 督办台账, 技术支持表, 信用评价结果, 数据同步情况统计表, 安装联网基数排查表).

- :mod:`engine.reports.period` — a report period (a month ``YYYY-MM`` or a year ``YYYY``) in Shanghai time;
- :mod:`engine.reports.figures` — the monthly figures, aggregated in SQL over what the viewer may see;
- :mod:`engine.reports.ledgers` — the rows of each ledger-style report, scoped the same way;
- :mod:`engine.reports.workbook` — styled ``.xlsx`` sheets (Chinese headers, frozen header, widths, totals);
- :mod:`engine.reports.builders` — one function per report kind, returning the file's bytes.
"""
