#!/usr/bin/env bash
# make test: the end-to-end stage and every other test, as two pytest sessions side by side.
# Most of both is waiting (alerts' for: durations, scrapes, a dev server's timers) rather than
# computing, so on two cores they share the time. The other tests run at a lower CPU priority,
# as the end-to-end session runs its own after its healthy stack has started (tests/e2e/conftest.py).
# Each session's output is shown whole once both are done; the exit status is non-zero when
# either failed.
set -uo pipefail
PY=${PY:-.venv/bin/python}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

"$PY" -m pytest -q -p no:cacheprovider -m e2e "$@" >"$log/e2e" 2>&1 &
e2e=$!
nice -n 19 "$PY" -m pytest -q -p no:cacheprovider -m "not e2e" "$@" >"$log/rest" 2>&1
rest=$?
wait "$e2e"
e2e_status=$?

echo "== every test but the end-to-end stage (-m 'not e2e')"
cat "$log/rest"
echo "== the end-to-end stage (-m e2e)"
cat "$log/e2e"
if [ "$rest" -ne 0 ] || [ "$e2e_status" -ne 0 ]; then
    echo "make test: failed (not e2e: exit $rest; e2e: exit $e2e_status)" >&2
    exit 1
fi
