"""环保税涉税信息交换 (data exchange with the tax bureau): batches of the ten categories both ways, matching,
data inspection (数据监查) and the watched daily sync."""
