"""Benchmarks that report medians, p95 and the ratio to a floor measured in the same run."""
