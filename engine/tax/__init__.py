"""环保税涉税信息交换 (tax exchange): the tax department's review requests and the figures it reads."""
