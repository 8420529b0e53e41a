"""The tax bureau's side of the environmental-protection-tax exchange, simulated against the real API."""
