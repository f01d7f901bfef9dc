#!/usr/bin/env bash
# npm test's runner, after the setup, type-check and lint: every *.test.ts in two lanes at once.
# The long-waits lane holds a file that mostly waits on real time with little CPU (ffmpeg and
# Liquidsoap each sending a 40 s show with a 5 s cut); the main lane runs everything else two files at
# a time, as the 2-core machine allows. Only files without a timing bound belong in that lane: the
# studio's cut and glass-to-glass measurements, and Debian icecast2's start-up, failed when a third
# file ran beside them. The run fails if either lane fails.
set -uo pipefail
cd "$(dirname "$0")/.."

LONG_WAITS=(
  test/integration/source-recording.test.ts
)
OPTS=(--test-timeout=240000)

mapfile -t ALL < <(find bridge shared config studio station console recordings test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
MAIN=()
for f in "${ALL[@]}"; do
  long=0
  for w in "${LONG_WAITS[@]}"; do [[ "$f" == "$w" ]] && long=1; done
  ((long)) || MAIN+=("$f")
done

node --test --test-concurrency=1 "${OPTS[@]}" "${LONG_WAITS[@]}" > >(sed -u 's/^/[long-waits lane] /') 2>&1 &
long_pid=$!
node --test --test-concurrency=2 "${OPTS[@]}" "${MAIN[@]}"
main_rc=$?
wait "$long_pid"
long_rc=$?
echo "# main lane: exit $main_rc (${#MAIN[@]} files); long-waits lane: exit $long_rc (${#LONG_WAITS[@]} files)"
((main_rc == 0 && long_rc == 0))
