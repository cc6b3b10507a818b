"""Benchmarks (not tests): matching at scale, pages under load."""
