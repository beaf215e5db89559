#!/bin/sh
# check-fails.sh WANT CMD... -- run CMD, a test that must fail: it passes
# when CMD ends with a failure status (1, or 137: the Emscripten runner
# kills Node from a worker) and printed a line matching WANT (grep -E), and
# it never printed a PASS line.  77 (the build cannot run it) is passed on:
# ctest reports a skip.  A CMD that never ends fails by ctest's timeout.
want=$1
shift
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
"$@" > "$out" 2>&1
rc=$?
cat "$out"
[ $rc -eq 77 ] && exit 77
case $rc in
1|137) ;;
*) echo "check-fails: exit status $rc, want 1 (or 137 from a killed Node)"; exit 1 ;;
esac
grep -q '^PASS ' "$out" && { echo "check-fails: it printed a PASS line"; exit 1; }
grep -Eq "$want" "$out" || { echo "check-fails: no line matches: $want"; exit 1; }
echo "check-fails: failed as it must (status $rc)"
