"""The platform's run state: health checks, the tables of scheduler job runs and run-state alerts, backups.
The figures and alerts that read every capability's tables are in ``engine.alerts``."""
