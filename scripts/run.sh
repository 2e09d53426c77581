#!/usr/bin/env bash
# Start the Qihu stack on embedded defaults: action server (5055), Rasa server (5005,
# REST channel + HTTP API), the staff console (8080) and the reminder scheduler. A process that
# dies is started again (scripts/supervise.sh: backoff, at most $QIHU_RESTART_LIMIT times in a
# row, logged). Ctrl-C (or SIGTERM) stops every process it started.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${RASA_HOST:=127.0.0.1}"
: "${RASA_PORT:=5005}"
: "${ACTION_PORT:=5055}"
: "${CONSOLE_PORT:=8080}"
: "${QIHU_LOG_DIR:=var/log}"                # each process's log file
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
# HTTP API token (bot/rasa_token.py): the published default `qihu-local-dev-token` only on a
# loopback RASA_HOST; elsewhere $RASA_TOKEN, or one generated into var/rasa-token on the first
# run and shown once. The default is refused off loopback.
RASA_TOKEN="$(.venv/bin/python -m bot.rasa_token --host "$RASA_HOST")" || exit 2
export RASA_TOKEN CONSOLE_PORT SANIC_HOST="${SANIC_HOST:-127.0.0.1}"
# Rasa's anonymous telemetry would try to reach the internet; a government deployment opts out.
export RASA_TELEMETRY_ENABLED=false

model="$(scripts/ensure_model.sh)"
mkdir -p "$QIHU_LOG_DIR"
# This run's copy of endpoints.yml ($RASA_ENDPOINTS), its action URL on $ACTION_PORT.
endpoints="$(.venv/bin/python -m bot.run_endpoints --action-port "$ACTION_PORT" \
  --source "${RASA_ENDPOINTS:-endpoints.yml}" --out "$QIHU_LOG_DIR/run-endpoints.yml")"
# Apply the appeal store's migrations first ($APPEALS_DB_URL, default SQLite under var/); it also
# checks bot/knowledge/holidays.yaml and warns if the next 90 days' holidays are not entered.
store_out="$(.venv/bin/python -m bot.store 2>&1)" || { echo "$store_out" >&2; exit 1; }
echo "$store_out"
calendar_warning="$(grep '^警告' <<<"$store_out" || true)"
# First run only: a coordinator account for the staff console; its random password is shown
# once, below the start-up message (never a fixed default).
console_first_run="$(.venv/bin/python -m bot.console.users bootstrap)"

# shellcheck source=scripts/supervise.sh
source scripts/supervise.sh
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping Qihu..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
# Ctrl-C or SIGTERM is the way to stop Qihu: a clean stop exits 0 (so `make run` reports no
# error); any other exit keeps its status.
trap 'stop; exit 0' INT TERM
trap stop EXIT


for name in actions rasa console reminders; do : >"$QIHU_LOG_DIR/$name.log"; done
supervise actions "$QIHU_LOG_DIR/actions.log" \
  .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
# bot/rasa_server.py: Rasa's CLI with a faster action-reply validator installed first.
supervise rasa "$QIHU_LOG_DIR/rasa.log" \
  .venv/bin/python -m bot.rasa_server run --model "$model" --enable-api --auth-token "$RASA_TOKEN" \
  --interface "$RASA_HOST" --port "$RASA_PORT" --credentials "${RASA_CREDENTIALS:-credentials.yml}" \
  --endpoints "$endpoints" &
pids+=($!)
supervise console "$QIHU_LOG_DIR/console.log" .venv/bin/python -m bot.console --port "$CONSOLE_PORT" &
pids+=($!)

echo "Starting Qihu (logs in $QIHU_LOG_DIR/)..."
.venv/bin/python scripts/wait_ready.py "http://$RASA_HOST:$RASA_PORT/status?token=$RASA_TOKEN" \
  "http://127.0.0.1:$ACTION_PORT/health" "http://127.0.0.1:$CONSOLE_PORT/healthz" \
  --timeout 300 || { tail -20 "$QIHU_LOG_DIR"/*.log; exit 1; }
# The reminder scheduler starts once Rasa is up (it delivers through Rasa's HTTP API).
supervise reminders "$QIHU_LOG_DIR/reminders.log" \
  env RASA_URL="http://$RASA_HOST:$RASA_PORT" .venv/bin/python -m bot.reminders run &
pids+=($!)

# Only the channels named in the credentials file are served (docs/channels.md).
if grep -q '^bot\.channels\.rest\.RestInput:' "${RASA_CREDENTIALS:-credentials.yml}"; then
  rest_hint="curl -s -XPOST http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook \\
                  -H 'Content-Type: application/json' \\
                  -d '{\"sender\":\"me\",\"message\":\"燃气报装打哪个电话\"}'"
else
  rest_hint="off (not in ${RASA_CREDENTIALS:-credentials.yml})"
fi
cat <<MSG

Qihu is running.
  Chat (REST):  $rest_hint
  Terminal:     make shell      (in another terminal; stops nothing here)
  HTTP API:     http://$RASA_HOST:$RASA_PORT/status?token=\$RASA_TOKEN
  Actions:      http://127.0.0.1:$ACTION_PORT/health
  Console:      http://127.0.0.1:$CONSOLE_PORT/   (staff; accounts: make console-user)
  Reminders:    make reminders-list   (pending / sent / failed)
Press Ctrl-C to stop.
MSG
if [ -n "$console_first_run" ]; then echo; echo "$console_first_run"; fi
if [ -n "$calendar_warning" ]; then echo; echo "$calendar_warning"; fi
# A supervisor returns only when its process kept dying (restart limit reached): stop all.
wait -n "${pids[@]}"
echo "A Qihu process kept exiting and was not restarted again; see $QIHU_LOG_DIR/." >&2
exit 1
