# make study   set up .venv and run the whole study (cpu profile) headless
# make test    run the test suite
# make smoke   run every notebook at the smoke profile (3 to 5 minutes)
PROFILE ?= cpu

.PHONY: setup study smoke test lint

setup:
	bash scripts/setup_env.sh

study: setup
	bash scripts/run_notebooks.sh $(PROFILE) -p figures_dir $(CURDIR)/figures

smoke: setup
	bash scripts/run_notebooks.sh smoke

test:
	OMP_WAIT_POLICY=$${OMP_WAIT_POLICY:-PASSIVE} .venv/bin/python -m pytest -q

lint:
	.venv/bin/ruff check bayesrm_utils tests notebooks benchmarks scripts data
