# EcoLoop: two commands on a fresh machine — `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
APT_PACKAGES := slapd ldap-utils openssl chromium fonts-noto-cjk postgresql-client nginx-light libnginx-mod-stream
STAMP := $(VENV)/.installed

.PHONY: demo test install system-packages lint clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# English catalog: compiled at install (Chinese is the source language of the UI)
CATALOG := web/translations/en/LC_MESSAGES/messages
$(CATALOG).mo: $(CATALOG).po $(STAMP)
	$(BIN)/pybabel -q compile -d web/translations

install: $(STAMP) $(CATALOG).mo

translations: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --width 120 -o web/translations/messages.pot .
	$(BIN)/pybabel -q update -i web/translations/messages.pot -d web/translations --no-fuzzy-matching --ignore-obsolete --width 120

DEMO_HJ212_PORT ?= 6212

# The web app in the foreground; an HJ 212 receiver, a simulator of the demo loggers and a simulated
# tax bureau in the background (stopped with the app), so anomaly tasks and exchange traffic keep appearing.
demo: install
	$(BIN)/ecoloop db upgrade
	$(BIN)/ecoloop demo
	$(BIN)/ecoloop receive --host 127.0.0.1 --port $(DEMO_HJ212_PORT) & receiver=$$!; \
	sleep 2; \
	$(BIN)/ecoloop simulate --host 127.0.0.1 --port $(DEMO_HJ212_PORT) --rate 2 --duration 86400 & simulator=$$!; \
	$(BIN)/ecoloop tax simulate --url http://127.0.0.1:5000 --create-token demo-tax-bureau --wait 120 \
		--rounds 0 --interval 3600 >/dev/null & taxbureau=$$!; \
	trap 'kill $$receiver $$simulator $$taxbureau 2>/dev/null' EXIT INT TERM; \
	$(BIN)/ecoloop serve --host 127.0.0.1 --port 5000

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

test: system-packages install
	$(BIN)/lint-imports --config setup.cfg
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV) instance .pytest_cache
