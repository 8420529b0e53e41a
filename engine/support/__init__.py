"""技术支持工单 (support tickets) for the monitoring subsystems."""
