"""Automatic monitoring: registry, measurement store, anomaly rules, closure tasks and rates.

The engine side of HJ 212 ingest. It takes already-parsed
:class:`~engine.monitoring.records.MeasurementRecord` values (the parser lives in
``integrations.hj212``, which converts packets), or raw lines together with a
parse function injected by the caller.
"""
