# The README's two commands for a fresh machine with python3 (3.10-3.12) and make:
#   make course   install into .venv and open the course in JupyterLab
#   make test     install into .venv and run every test (unit tests + every notebook under nbval)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
# JupyterLab refuses to run as root unless told to; only then is the flag added.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course test install notebooks benchmark clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(BIN)/.installed

course: install
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

test: install
	$(BIN)/python -m pytest

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (before committing).
notebooks: install
	cd notebooks && for nb in [0-9]*.ipynb; do \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; done

benchmark: install
	$(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf $(VENV) notebooks/runs .pytest_cache
