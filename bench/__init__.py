"""Benchmarks of argmine: offline labelling, the HTTP service, training, hot-path optimisations."""
