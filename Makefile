# Two commands: `make run` and `make test` (see README). Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app registry
STAMP := $(VENV)/.installed
TRANSLATIONS := registry/translations

.PHONY: run test fuzz bench install lint translations messages clean-db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogues are build output; the .po files are the source. Compiled only when a
# catalogue changed, so that two `make test` running at once (CI) never rewrite a .mo that
# the other is reading.
MO_FILES := $(TRANSLATIONS)/it/LC_MESSAGES/messages.mo $(TRANSLATIONS)/en/LC_MESSAGES/messages.mo
translations: $(MO_FILES)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile -l $* -d $(TRANSLATIONS) >/dev/null

# Re-extract strings and merge them into both catalogues (developers only).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -N -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)
	$(FLASK) i18n fill-italian

run: install
	$(FLASK) setup
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fuzz test (tests/test_fuzz.py) with many more examples than `make test` runs: every
# route and every form, on SQLite or on the database named by REGISTRY_TEST_DATABASE_URL.
# It ends with "fuzz (<database>): N requests, 0 responses >= 500".
FUZZ_EXAMPLES ?= 5000
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz.py $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

clean-db:
	rm -f instance/registry.sqlite3
