"""数据监查 (data inspection) of the tax side's data against the platform's: matching, rules, findings, verification."""
