"""运行监控 above the capabilities: the platform's figures read from every feature's tables, thresholds as
configuration data, alerts to administrators (and support tickets), and the record of scheduler job runs.
The low-level parts (health checks, the job-run and alert tables, backups) are in ``engine.runstate``."""
