"""超标/异常数据闭环 (anomaly_closure): evidence rules, conclusions and referrals to enforcement."""
