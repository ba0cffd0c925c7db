# One place for every gate: `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: demo test lint typecheck unit system-deps bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(VENV)/bin/linkcheck demo

# In CI (CI set) the system components the tests need are installed first.
system-deps:
	@if [ -n "$$CI" ]; then scripts/system-deps; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP) system-deps
	$(PY) -m pytest -q -p no:cacheprovider

test: lint typecheck unit

# Crawl benchmark against the peers (installed into benchmarks/peers/ on first use), then the
# map benchmarks of the redirect issues when present. Needs nginx and GNU time (installed here
# when missing and root). BENCH_ARGS passes options to run.py, e.g. BENCH_ARGS="--sizes 2000".
bench: $(STAMP)
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && [ -x /usr/bin/time ] || \
		(apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx time >/dev/null)
	$(PY) benchmarks/run.py $(BENCH_ARGS)
	@for b in mapbench nginxbench; do \
		if [ -f benchmarks/$$b.py ]; then echo "== $$b"; $(PY) benchmarks/$$b.py || exit 1; fi; \
	done

clean:
	rm -rf $(VENV) reports/* .mypy_cache .ruff_cache
	touch reports/.gitkeep
