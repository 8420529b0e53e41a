"""The platform's run state (运行监控): health checks, figures of the running platform, thresholds as data,
alerts to administrators, backups."""
