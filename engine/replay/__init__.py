"""预演 (replay): a proposed anomaly rule set evaluated over stored history beside the live one, before it takes effect."""
