#!/usr/bin/env bash
# stdin_ticks.sh RUNNER... -- drive examples/stdin_ticks: write a line, wait
# until the example has echoed it AND printed a tick after it, then write the
# next.  The writer waits on the example's output, never on a clock, so the
# assertion is about order: a tick between every two lines means the ticker
# ran while the reader was parked in slp_wait_fd.  An example that blocked
# its whole thread in read() prints no tick there: the wait fails after
# LIMIT seconds instead of hanging.
set -euo pipefail
LIMIT=${LIMIT:-30}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/in" "$dir/out"
"$@" <"$dir/in" >"$dir/out" 2>&1 &
pid=$!
exec {w}>"$dir/in" {r}<"$dir/out"
out=()
expect() { # expect REGEX: read output lines until one matches
  local line
  while IFS= read -r -t "$LIMIT" line <&$r; do
    out+=("$line")
    [[ $line =~ $1 ]] && return 0
  done
  printf 'stdin_ticks.sh: no line matching /%s/; output so far:\n' "$1" >&2
  printf '  %s\n' "${out[@]}" >&2
  exit 1
}
for word in alpha beta gamma; do
  printf '%s\n' "$word" >&$w
  expect "^line: $word\$"
  expect '^tick [0-9]+$'
done
exec {w}>&- # end of input
expect '^eof$'
while IFS= read -r -t "$LIMIT" line <&$r; do out+=("$line"); done
wait "$pid"
printf '%s\n' "${out[@]}"
# Order: every line echoed once, in order, with a tick between each two.
printf '%s\n' "${out[@]}" | awk '
  /^line: / { if (seen && !ticks) bad = 1; seen = 1; ticks = 0; got = got $2 " " }
  /^tick /  { ticks++ }
  END { if (bad || got != "alpha beta gamma ") { print "bad order: " got; exit 1 } }'
