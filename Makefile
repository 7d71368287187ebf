# The README's two commands for a fresh machine with python3 (3.10-3.12) and make:
#   make course   install into .venv and open the course in JupyterLab
#   make test     install into .venv and run every test (unit tests + every notebook under nbval)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888
# JupyterLab refuses to run as root unless told to; only then is the flag added.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: course test install notebooks benchmark clean chromium dashboard

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
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

# Optional: the explorer as a dashboard (outputs only, no code), for projecting in class.
dashboard: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-voila.txt
	$(BIN)/voila notebooks/05_explorer.ipynb --Voila.ip=127.0.0.1 --port=8866 --no-browser

# Re-run every notebook top to bottom in a fresh kernel and store the outputs (before committing).
notebooks: install
	cd notebooks && for nb in [0-9]*.ipynb; do \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace "$$nb" || exit 1; done

benchmark: install
	$(BIN)/python benchmarks/train_speed.py

clean:
	rm -rf $(VENV) notebooks/runs .pytest_cache

# ---- Binder/Colab links, and checks beyond `make test` ----------------------------------------
.PHONY: links memory reproducible drift html

# What only the tests need (repo2docker, for tests/test_binder.py), on top of requirements.txt.
$(BIN)/.installed-test: $(BIN)/.installed requirements-test.txt
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

# The whole test suite against the newest releases of every dependency, in its own venv (.venv-drift).
drift:
	$(PYTHON) scripts/drift.py --venv .venv-drift

# The executed notebooks as printable HTML pages with a table of contents, in build/html/.
html: install
	$(BIN)/python scripts/export_html.py --out build/html
