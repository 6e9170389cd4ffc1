# The README's two commands. Both run the idempotent setup first.
.PHONY: run test setup lint bench clean

VENV := .venv
PY := $(VENV)/bin/python
DESIGN ?= designs/mac16

setup:
	@./scripts/setup.sh

run: setup
	$(VENV)/bin/chipchat ui $(DESIGN)

test: setup
	$(PY) -m pytest -q -rs -n 2 --dist loadgroup

lint: setup
	$(VENV)/bin/ruff check chipchat tests ui benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

bench: setup
	@failed=""; for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || failed="$$failed $$b"; done; \
	if [ -n "$$failed" ]; then echo "benchmarks below target:$$failed"; exit 1; fi

clean:
	rm -rf build dist *.egg-info
