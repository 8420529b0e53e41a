"""Risk-source enterprises (环境风险源企业): risk levels with their assessments, stored risk substances and Q."""
