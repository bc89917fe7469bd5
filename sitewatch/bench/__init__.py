"""Benchmarks behind `sitewatch bench …`; results are recorded in docs/PERFORMANCE.md."""
