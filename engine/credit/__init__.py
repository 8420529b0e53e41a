"""Domain services behind the credit, tax, emergency-plan and support-ticket processes.

The BPMN models in ``workflows/bpmn/`` carry the flow; the records a flow
leaves behind (ratings and their history, public notices, objections, repairs,
filing numbers, referral records, anomaly conclusions, tax review answers,
support tickets) are written by the process hooks registered in
:mod:`engine.credit.hooks` (see :mod:`engine.workflow.hooks`) and read through
the services of this package.
"""
