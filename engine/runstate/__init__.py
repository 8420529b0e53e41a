"""The platform's run state: health checks."""
