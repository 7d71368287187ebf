# The README's two commands for a fresh machine with python3 (3.11-3.13) and make:
#   make course   install into .venv and open the course in JupyterLab
#   make test     install into .venv and run every test (unit tests + every notebook under nbval)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
# Every kernel started from here (JupyterLab, Voila, nbval, nbconvert) keeps to two malloc arenas, as on Binder
# (binder/start says why): notebook 05 then stays under 1 GB.
export MALLOC_ARENA_MAX := 2
# JupyterLab refuses to run as root unless told to; only then is the flag added.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course test install notebooks editions benchmark clean chromium dashboard

# The pinned libraries need Python 3.11-3.13 (pyproject.toml's requires-python): stop at once, and say so,
# rather than after minutes of pip with a bare "No matching distribution".
$(BIN)/.installed: requirements.txt pyproject.toml scripts/jupyterlab-overrides.json
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' || { \
	  echo "This course needs Python 3.11, 3.12 or 3.13; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install one of those and run, for example: make PYTHON=python3.12 $(MAKECMDGOALS)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@echo "Installing TensorFlow, JupyterLab and the rest into $(VENV): about 2 GB, a minute or more on a fast line."
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@# No "get Jupyter news?" pop-up over the course's first notebook (JupyterLab's system-wide settings).
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp scripts/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@echo "Compiling the explorer's programs (depths 1-8) into XLA's cache, ~/.cache/deep-nets-course/xla: about 20 s."
	$(BIN)/python -c "from helpers import explorer; explorer.warm_cache()"
	touch $@

install: $(BIN)/.installed

course: install
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --port=$(PORT) $(ROOT_FLAG)

test: install $(BIN)/.installed-test chromium
	$(BIN)/python -m pytest

# The browser test drives Debian's Chromium. Install it where apt-get is allowed (root, Debian or Ubuntu);
# elsewhere tests/test_browser.py skips with a loud reason.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ; } || \
	  echo "WARNING: /usr/bin/chromium is missing and could not be installed: the browser test will be skipped"

# Optional: the explorer as a dashboard (the panel alone, no code), for projecting in class; kernels of closed
# tabs are shut down (dashboard/serve.py says how).
dashboard: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-voila.txt
	$(BIN)/python dashboard/serve.py --port 8866

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (before committing), then
# regenerate the student edition from them.
# One notebook: make notebooks NB=03_xavier_fix.ipynb
NB ?= [0-9]*.ipynb
notebooks: install
	cd notebooks && for nb in $(NB); do \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; done
	$(MAKE) editions

# The student edition (notebooks/student/) from the full one: solutions out, exercise outputs cleared.
# nbgrader (a test requirement) does the clearing, so this needs the test requirements.
editions: install $(BIN)/.installed-test
	$(BIN)/python scripts/editions.py --mark
	$(BIN)/python scripts/editions.py --write

benchmark: install
	$(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf $(VENV) notebooks/runs .pytest_cache

# ---- Binder/Colab links, and checks beyond `make test` ----------------------------------------
.PHONY: links memory reproducible drift html colab-check

# What only the tests need (repo2docker, for tests/test_binder.py), on top of requirements.txt.
$(BIN)/.installed-test: $(BIN)/.installed requirements-test.txt requirements-voila.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

# Regenerate the README's Binder/Colab/Voila links and every notebook's set-up cell from docs/publish.cfg.
links: install
	$(BIN)/python scripts/links.py --write

# Peak memory of each notebook, each alone in a fresh kernel (Binder gives 1-2 GB per user).
memory: install
	$(BIN)/python benchmarks/memory.py

# Every notebook three times in fresh kernels with the network blocked: outputs must be byte-identical.
reproducible: install
	$(BIN)/python scripts/reproducible.py --runs 3

# Notebook 01 (or every notebook: make colab-check ARGS=--all) on Google Colab's library versions, in its own
# venv (.venv-colab): fails on an error or on any TensorFlow log line in the outputs.
colab-check: install
	$(BIN)/python scripts/colab_check.py $(ARGS)

# The whole test suite against the newest releases of every dependency, in its own venv (.venv-drift).
drift:
	$(PYTHON) scripts/drift.py --venv .venv-drift

# The executed notebooks as printable HTML pages with a table of contents, in build/html/.
html: install
	$(BIN)/python scripts/export_html.py --out build/html
