# ddtw-edu: `make book` builds the book, `make test` runs the tests.
# Both create .venv (if missing) and install the pinned requirements once.
# `make notebooks` re-executes the chapters in full mode and writes their outputs (to commit).
# `make student` writes the student edition (no solutions, no outputs) to _build/student.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ddtw-edu-installed

# JavaScript the book serves itself, so that its pages render without a CDN (offline, in the
# browser test): MathJax 3, fetched from the npm registry at a pinned version into
# $(VENDOR)/static, which _config.yml copies into the book's _static folder.
MATHJAX      := mathjax@3.2.2
VENDOR       := _build/vendor

# Generated data sets and cached features (outside the repository; `make clean-cache` removes them).
CACHE        := $(or $(DDTW_EDU_CACHE),$(HOME)/.cache/ddtw_edu)
DATA         := $(or $(DDTW_EDU_DATA),$(HOME)/.cache/ddtw_edu/data)

.PHONY: venv vendor browser test book notebooks student clean clean-cache

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $(STAMP)

vendor: $(VENDOR)/.installed

$(VENDOR)/.installed: Makefile
	@command -v npm >/dev/null || { echo "make vendor: npm is needed to fetch MathJax and the widget manager" >&2; exit 1; }
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/static/mathjax
	cd $(VENDOR) && npm pack --silent $(MATHJAX) >/dev/null
	tar -xzf $(VENDOR)/mathjax-*.tgz -C $(VENDOR)/static/mathjax --strip-components=2 \
	    package/es5/tex-mml-chtml.js package/es5/input package/es5/output/chtml.js \
	    package/es5/output/chtml package/es5/ui package/es5/a11y package/es5/sre package/es5/adaptors
	tar -xzf $(VENDOR)/mathjax-*.tgz -C $(VENDOR)/static/mathjax --strip-components=1 package/LICENSE
	rm -f $(VENDOR)/*.tgz
	touch $@

# Headless Chromium and its driver for the browser test (tests/test_browser.py), from Debian.
# Installed when missing and we are root (or have sudo); otherwise say how, and the test skips.
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else \
	    echo "make browser: the browser test will SKIP: install Debian's chromium and chromium-driver" \
	         "(apt-get install chromium chromium-driver) as root" >&2; exit 0; fi; \
	echo "installing chromium and chromium-driver (Debian packages) for the browser test"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends chromium chromium-driver >/dev/null

test: venv vendor browser
	$(BIN)/python -m pytest -q tests

book: venv vendor
	$(BIN)/jupyter-book build . -W -n --keep-going

# Execute the chapters in full mode and store their outputs (all, or NOTEBOOKS="notebooks/04_ddtw.ipynb").
notebooks: venv
	$(BIN)/python book/execute_notebooks.py $(NOTEBOOKS)

# The chapters without their solutions and outputs, to hand out (book/student_edition.py).
student: venv
	$(BIN)/python book/student_edition.py _build/student

# Build outputs only: the caches below make the next build minutes faster and renew themselves.
clean:
	rm -rf _build .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +

# Generated data sets, cached features and Numba's compiled kernels (in __pycache__).
clean-cache:
	rm -rf "$(DATA)" "$(CACHE)/hcqt"
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
