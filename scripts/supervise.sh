# shellcheck shell=bash
# Sourced by scripts/run.sh: keep one child process running.
#
#   supervise NAME LOGFILE COMMAND [ARG...] &
#
# Why: one process of the stack dying (the action server, Rasa, the console or the reminder
# scheduler) must not stop the others. The child is started again after a backoff (1 s, 2 s,
# 4 s ... at most 30 s), at most $QIHU_RESTART_LIMIT times in a row (default 5; a run longer
# than $QIHU_RESTART_RESET seconds, default 600, starts the count again). Every exit and
# restart is logged to stderr and to LOGFILE; past the limit the supervisor gives up with
# status 1, and run.sh then stops everything. SIGTERM/SIGINT to the supervisor stops its child
# and exits 0. The child's current pid is kept in $QIHU_LOG_DIR/NAME.pid.

supervise() {
  local name="$1" logfile="$2"
  shift 2
  local limit="${QIHU_RESTART_LIMIT:-5}" reset="${QIHU_RESTART_RESET:-600}"
  local pidfile="$QIHU_LOG_DIR/$name.pid" restarts=0 delay=1 child="" status started
  # shellcheck disable=SC2317  # invoked by the trap
  _supervise_stop() {
    trap - TERM INT
    if [ -n "$child" ]; then
      kill -TERM "$child" 2>/dev/null || true
      wait "$child" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    exit 0
  }
  trap _supervise_stop TERM INT
  while :; do
    started=$SECONDS
    "$@" >>"$logfile" 2>&1 &
    child=$!
    echo "$child" >"$pidfile"
    status=0
    wait "$child" || status=$?
    child=""
    if [ $((SECONDS - started)) -ge "$reset" ]; then restarts=0; delay=1; fi
    if [ "$restarts" -ge "$limit" ]; then
      _supervise_log "$name" "$logfile" "exited with status $status; restarted $restarts times in a row, giving up"
      rm -f "$pidfile"
      exit 1
    fi
    restarts=$((restarts + 1))
    _supervise_log "$name" "$logfile" "exited with status $status; restart $restarts/$limit in ${delay}s"
    sleep "$delay" &
    child=$!  # so a stop during the backoff ends the sleep too
    wait "$child" || true
    child=""
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

_supervise_log() {
  local line
  line="$(date '+%Y-%m-%d %H:%M:%S') supervise: $1 $3"
  echo "$line" >&2
  echo "$line" >>"$2"
}
