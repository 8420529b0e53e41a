"""Process instances: start, read, the instance page, retention, and helpers shared by the process domains."""
