"""Dashboards (工作台): figures aggregated in SQL over what the viewer may see."""
