# KopEdu — `make run` (demo server) and `make test` (the whole suite).
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations extract-messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile --use-fuzzy -d kopedu/translations

run: install translations
	$(FLASK) db upgrade
	$(FLASK) kopedu seed-demo
	$(FLASK) kopedu demo-logins
	@echo "KopEdu: http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install translations
	$(PY) -m pytest $(PYTEST_ARGS)

# --ignore-dirs replaces pybabel's default, which skips every directory whose name starts with "_"
# (templates/_macros). tests/test_i18n.py extracts with the same options.
extract-messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --ignore-dirs='.* __pycache__' \
		-o kopedu/translations/messages.pot .
	$(VENV)/bin/pybabel update -i kopedu/translations/messages.pot -d kopedu/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance
