"""Benchmarks (bench/README.md); run from the repository root, e.g. `python -m bench.run`."""
