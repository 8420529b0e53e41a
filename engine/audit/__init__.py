"""The audit trail (闭环留痕): hash-chained events and the administrators' audit log."""
