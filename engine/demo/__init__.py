"""Demo data for ``make demo``: accounts, a monitored province, a year of history and process instances."""
