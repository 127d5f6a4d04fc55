"""synthpipe's benchmark suite: fidelity, privacy and cost against open peers.

Not part of the unit tests; run through `make bench-quick` / `make bench`
(see benchmarks/README.md).
"""
