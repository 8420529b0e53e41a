"""应急管理 (emergency management): emergency-plan filings."""
