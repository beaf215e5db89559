#!/bin/sh
# check-output.sh exact|lines EXPECTED CMD... -- run CMD, compare its stdout
# with EXPECTED: byte for byte (exact), or as the same lines in any order
# (lines; for output of threads that interleave), with the first and last
# lines in place.
mode=$1 expected=$2
shift 2
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$@" > "$out" || { echo "command failed: $*" >&2; cat "$out"; exit 1; }
case $mode in
exact) ok=0; cmp -s "$expected" "$out" || ok=1 ;;
lines)
  ok=0
  [ "$(sort "$expected")" = "$(sort "$out")" ] || ok=1
  [ "$(head -n 1 "$expected")" = "$(grep -v '^THREAD(2)' "$out" | head -n 1)" ] || ok=1
  [ "$(tail -n 1 "$expected")" = "$(tail -n 1 "$out")" ] || ok=1 ;;
*) echo "mode: exact or lines" >&2; exit 2 ;;
esac
if [ $ok -ne 0 ]; then
  echo "output differs from $expected:"; diff "$expected" "$out"; exit 1
fi
cat "$out"
