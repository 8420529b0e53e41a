"""Benchmarks run by hand (``python -m bench.engine``); results are kept in ``docs/benchmarks.md``."""
