# Qihu: `make run` starts the assistant on embedded defaults, `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RASA := RASA_TELEMETRY_ENABLED=false $(VENV)/bin/rasa
# The dialogue server runs through bot/rasa_server.py: Rasa's CLI with a faster reply validator.
RASA_SERVER := RASA_TELEMETRY_ENABLED=false $(PY) -m bot.rasa_server
VENV_STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | sha256sum | cut -c1-12)
# schemathesis lives in a venv of its own: kept out of .venv so its pytest plugin and deps never touch Rasa's pins.
ST_VENV := .venv-schemathesis
ST_STAMP := $(ST_VENV)/.installed-$(shell sha256sum requirements-schemathesis.txt | cut -c1-12)
export PYTHONPATH := $(CURDIR)
export RASA_TELEMETRY_ENABLED := false

.PHONY: run shell train test lint validate pytest rasa-test bench-nlu bench-latency bench-store bench-trackers \
	bench-wechat bench-answers telegram-webhook telegram-polling reminders reminders-list bench-reminders venv constraints clean console console-user \
	bench-console schemathesis-venv

venv: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || "$$(scripts/python310.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip check
	@rm -f $(VENV)/.installed-* && touch $@

## schemathesis's own venv (tests/console/test_schemathesis.py runs its CLI); never in .venv.
schemathesis-venv: $(ST_STAMP)

$(ST_STAMP): requirements-schemathesis.txt
	@test -x $(ST_VENV)/bin/python || "$$(scripts/python310.sh)" -m venv $(ST_VENV)
	$(ST_VENV)/bin/python -m pip install --quiet --upgrade "pip==24.0"
	$(ST_VENV)/bin/python -m pip install --quiet -r requirements-schemathesis.txt
	$(ST_VENV)/bin/python -m pip check
	@rm -f $(ST_VENV)/.installed-* && touch $@

## Start the action server and the Rasa server (trains first if data changed).
run: venv
	@scripts/run.sh

## The staff console alone, on 127.0.0.1:$${CONSOLE_PORT:-8080} (make run starts it too).
console: venv
	$(PY) -m bot.console

## Staff account: make console-user NAME=li ROLE=handler UNIT=justice (random password, shown once).
## Other account commands: .venv/bin/python -m bot.console.users --help (token, passwd, disable...).
console-user: venv
	@test -n "$(NAME)" -a -n "$(ROLE)" || { echo "usage: make console-user NAME=<username> \
	ROLE=coordinator|handler [UNIT=<unit id>] [DISPLAY=<显示名>]"; exit 2; }
	$(PY) -m bot.console.users create "$(NAME)" --role "$(ROLE)" $(if $(UNIT),--unit "$(UNIT)") \
	  $(if $(DISPLAY),--name "$(DISPLAY)")

## Chat with the assistant in this terminal (starts its own action server).
shell: venv
	@model=$$(scripts/ensure_model.sh) && \
	  (SANIC_HOST=127.0.0.1 $(RASA) run actions --actions actions --port 5055 >/dev/null 2>&1 & \
	   echo $$! > .shell-actions.pid) && \
	  trap 'kill $$(cat .shell-actions.pid) 2>/dev/null; rm -f .shell-actions.pid' EXIT && \
	  $(RASA_SERVER) shell --model "$$model" --endpoints endpoints.yml

## Train the model if data/, config.yml or domain.yml changed (content hash).
train: venv
	@scripts/ensure_model.sh

## Every test: lint, data validation, pytest (unit, store, end-to-end), Rasa test stories.
test: lint validate pytest rasa-test

lint: venv
	$(VENV)/bin/ruff check bot actions tests bench scripts
	$(VENV)/bin/ruff format --check bot actions tests bench scripts
	$(VENV)/bin/mypy bot actions

validate: venv
	$(RASA) data validate --data data --domain domain.yml --config config.yml --fail-on-warnings
	$(PY) scripts/gen_nlu_lookups.py --check

pytest: venv train schemathesis-venv
	$(PY) -m pytest -q

rasa-test: venv train
	$(RASA) test core --model "$$(scripts/ensure_model.sh)" --stories tests/stories \
	  --fail-on-prediction-errors --out results/core

## Benchmarks: figures are written to bench/results/.
bench-nlu: venv
	$(PY) bench/bench_nlu.py

bench-latency: venv train
	$(PY) bench/bench_latency.py

## Answer quality on ../shared/eval (own stack on free ports, or QIHU_BENCH_URL=http://...).
bench-answers: venv
	$(if $(QIHU_BENCH_URL),,@scripts/ensure_model.sh >/dev/null)
	$(PY) bench/bench_answers.py

## Appeal creations/s and the monthly report over 100 000 appeals, SQLite and PostgreSQL.
bench-store: venv
	$(PY) bench/bench_store.py

## Tracker stores side by side: one turn's retrieve + save at 10 and 40 turns (in memory,
## Rasa's SQL on SQLite/PostgreSQL, Rasa's Redis, ours with its cache) → bench/results/trackers.json.
bench-trackers: venv
	$(PY) bench/bench_trackers.py

## Staff console page times over 100 000 appeals (SQLite and PostgreSQL).
bench-console: venv
	$(PY) bench/bench_console.py

## WeChat callbacks from 20 users against the real stack, every MsgId delivered 3 times.
bench-wechat: venv train
	$(PY) bench/bench_wechat.py --stack --think-ms 3000 0

## Telegram: register the webhook with the Bot API (URL=https://.../webhooks/telegram/webhook),
## or poll instead (development; see docs/channels.md).
telegram-webhook: venv
	@test -n "$(URL)" || { echo "usage: make telegram-webhook URL=https://<host>/webhooks/telegram/webhook"; exit 2; }
	$(PY) -m bot.channels.telegram.cli set-webhook "$(URL)"

telegram-polling: venv
	$(PY) -m bot.channels.telegram.cli polling

## The reminder scheduler alone (make run starts it too); one pass: make reminders ONCE=1
reminders: venv
	$(PY) -m bot.reminders run $(if $(ONCE),--once)

## Pending, sent and failed reminders.
reminders-list: venv
	$(PY) -m bot.reminders list

## One reminder-scheduler pass over 100 000 open appeals and 10 000 subscribers.
bench-reminders: venv
	$(PY) bench/bench_reminders.py

## Re-pin every transitive dependency from the current venv.
constraints:
	{ grep '^#' constraints.txt; $(PY) -m pip freeze --all | grep -v '^pip=='; } > constraints.tmp
	mv constraints.tmp constraints.txt

clean:
	rm -rf models results var/log .pytest_cache .mypy_cache .ruff_cache
