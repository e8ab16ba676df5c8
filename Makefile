# ddtw-edu: `make book` builds the book, `make test` runs the tests.
# Both create .venv (if missing) and install the pinned requirements once.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.ddtw-edu-installed

# JavaScript the book serves itself, so that its pages render without a CDN (offline, in the
# browser test): MathJax 3 and the Jupyter widgets HTML manager, fetched from the npm registry at
# pinned versions into $(VENDOR)/static, which _config.yml copies into the book's _static folder.
MATHJAX      := mathjax@3.2.2
HTML_MANAGER := @jupyter-widgets/html-manager@1.0.15
VENDOR       := _build/vendor

.PHONY: venv vendor test book clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $(STAMP)

vendor: $(VENDOR)/.installed

$(VENDOR)/.installed: Makefile
	@command -v npm >/dev/null || { echo "make vendor: npm is needed to fetch MathJax and the widget manager" >&2; exit 1; }
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/static/mathjax $(VENDOR)/static/jupyter-widgets
	cd $(VENDOR) && npm pack --silent $(MATHJAX) $(HTML_MANAGER) >/dev/null
	tar -xzf $(VENDOR)/mathjax-*.tgz -C $(VENDOR)/static/mathjax --strip-components=2 \
	    package/es5/tex-mml-chtml.js package/es5/input package/es5/output/chtml.js \
	    package/es5/output/chtml package/es5/ui package/es5/a11y package/es5/sre package/es5/adaptors
	tar -xzf $(VENDOR)/mathjax-*.tgz -C $(VENDOR)/static/mathjax --strip-components=1 package/LICENSE
	tar -xzf $(VENDOR)/jupyter-widgets-html-manager-*.tgz -C $(VENDOR)/static/jupyter-widgets \
	    --strip-components=2 package/dist/embed.js package/dist/embed.js.LICENSE.txt \
	    --wildcards 'package/dist/*.woff2' 'package/dist/*.woff'
	rm -f $(VENDOR)/*.tgz
	touch $@

test: venv vendor
	$(BIN)/python -m pytest -q tests

book: venv vendor
	$(BIN)/jupyter-book build . -W -n --keep-going

clean:
	rm -rf _build .pytest_cache *.egg-info
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o \( -name '*.nbi' -o -name '*.nbc' \) -type f -exec rm -f {} +
