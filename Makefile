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
# map benchmarks of the redirect issues when present. Needs nginx, GNU time and npm (installed
# here with apt-get when missing). BENCH_ARGS passes options to run.py, e.g. BENCH_ARGS="--sizes 2000".
bench: $(STAMP)
	@need=""; { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || need="$$need nginx"; \
	[ -x /usr/bin/time ] || need="$$need time"; command -v npm >/dev/null 2>&1 || need="$$need npm"; \
	if [ -n "$$need" ]; then echo "installing$$need"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; fi
	$(PY) benchmarks/run.py $(BENCH_ARGS)
	@for b in mapbench nginxbench; do \
		if [ -f benchmarks/$$b.py ]; then echo "== $$b"; $(PY) benchmarks/$$b.py || exit 1; fi; \
	done

clean:
	rm -rf $(VENV) reports/* .mypy_cache .ruff_cache
	touch reports/.gitkeep
