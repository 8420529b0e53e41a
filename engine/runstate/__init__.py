"""Run-state monitoring (运行监控): figures of the running platform, thresholds as data, alerts to administrators."""
