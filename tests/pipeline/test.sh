#!/usr/bin/env bash
# End-to-end test of examples/pipeline.c: the native binary and the WASI
# module under each engine must give the same stdout (byte for byte) and the
# same exit status on every case, and the native output must be right.
#
#   tests/pipeline/test.sh BUILD_DIR_NATIVE BUILD_DIR_WASI [RUNTIME...]
#     RUNTIME: wasmtime (the CLI) | wazero | node (default: all three) | wasmtime-py, run through
#     wasm/tools/run-wasi.sh (engines from wasm/tools/setup-wasi-engines.sh)
#
# Looks for BUILD/examples/pipeline and BUILD/examples/pipeline.wasm (or the
# same names at the top of BUILD).  The module gets the test's data folder
# preopened as /data, so --input works the same under every engine.
# Prints "ok"/"FAIL" per check and ends with "N passed, N failed"; exits 1 on
# any failure, 2 on bad usage or missing binaries.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN=$ROOT/wasm/tools/run-wasi.sh

[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR_NATIVE BUILD_DIR_WASI [RUNTIME...]" >&2; exit 2; }
find_prog() {
  local c
  for c in "$1/examples/$2" "$1/$2"; do [ -f "$c" ] && { echo "$c"; return 0; }; done
  echo "$0: no $2 in $1 (or $1/examples): build it first" >&2
  return 1
}
NATIVE=$(find_prog "$1" pipeline) || exit 2
WASM=$(find_prog "$2" pipeline.wasm) || exit 2
shift 2
RUNTIMES=(wasmtime wazero node)
[ $# -eq 0 ] || RUNTIMES=("$@")
TIMEOUT=(); command -v timeout >/dev/null && TIMEOUT=(timeout 300)

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=$T/data O=$T/out
mkdir -p "$D" "$O"

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
now_ms() { date +%s%3N; }

# ------------------------------------------------------------------ inputs
: >"$D/empty.txt"
printf 'hello, world\n' >"$D/one.txt"
printf 'alpha beta\ngamma delta' >"$D/nonl.txt"
# CRLF, an empty line, blanks, a tab and a NUL, UTF-8, a lone CR, no final newline.
printf 'Hello World\r\n\n  leading and trailing  \nt\tab\0nul\nh\303\251llo w\303\266rld \342\234\223\nlone\rcr\nx' >"$D/mixed.txt"
# 10,000 lines from a fixed LCG (same bytes with any awk); every 50th line is
# long, so workers yield in the middle of it and finish out of order.
awk 'function rnd(m) { x = (x * 69069 + 1) % 4294967296; return x % m }
BEGIN { x = 12345; a = "abcdefghijklmnopqrstuvwxyz0123456789"
  for (i = 1; i <= 10000; i++) {
    n = (i % 50 == 0) ? 80 : rnd(12); s = "line " i
    for (k = 0; k < n; k++) { m = 1 + rnd(9); w = ""
      for (j = 0; j < m; j++) w = w substr(a, 1 + rnd(36), 1)
      s = s " " w }
    print s } }' >"$D/many.txt"
printf '%s' "$(cat "$D/many.txt")" >"$D/many-nonl.txt"
# One 20,000-byte line, then short ones: the short ones are done first.
{ awk 'BEGIN { for (i = 0; i < 2000; i++) printf "abcdefghi "; print "" }'
  for i in $(seq 1 50); do echo "short $i"; done; } >"$D/skew.txt"
[ "$(wc -l <"$D/many.txt")" -eq 10000 ] || { echo "$0: input generation failed" >&2; exit 2; }

# Expected outputs, made with standard tools (ASCII inputs only).
awk_rev='{ s = ""; for (i = length($0); i > 0; i--) s = s substr($0, i, 1); print s }'
tr a-z A-Z <"$D/many.txt" >"$T/many.upper"
awk "$awk_rev" "$D/many.txt" >"$T/many.reverse"
awk '{ print NF "\t" $0 }' "$D/many.txt" >"$T/many.count"
tr a-z A-Z <"$D/skew.txt" >"$T/skew.upper"
printf '%s' "$(tr a-z A-Z <"$D/many.txt")" >"$T/many-nonl.upper"
: >"$T/empty"
printf 'HELLO, WORLD\n' >"$T/one.upper"
printf 'ALPHA BETA\nGAMMA DELTA' >"$T/nonl.upper"
printf 'ateb ahpla\natled ammag' >"$T/nonl.reverse"
printf '2\talpha beta\n2\tgamma delta' >"$T/nonl.count"
printf 'HELLO WORLD\r\n\n  LEADING AND TRAILING  \nT\tAB\0NUL\nH\303\251LLO W\303\266RLD \342\234\223\nLONE\rCR\nX' >"$T/mixed.upper"
printf 'dlroW olleH\r\n\n  gniliart dna gnidael  \nlun\0ba\tt\n\342\234\223 dlr\303\266w oll\303\251h\nrc\renol\nx' >"$T/mixed.reverse"
printf '2\tHello World\r\n0\t\n3\t  leading and trailing  \n2\tt\tab\0nul\n3\th\303\251llo w\303\266rld \342\234\223\n2\tlone\rcr\n1\tx' >"$T/mixed.count"

# ------------------------------------------------------------------ cases
# check NAME STATUS INPUT STDERR [STDOUT] -- ARGS...
#   Runs the native binary (checking its exit status is STATUS), then the
#   module under each runtime, comparing stdout and status with native's.
#   INPUT: file in $D for stdin.  STDERR: empty | nonempty | same (byte for
#   byte as native's) | any.  STDOUT (optional): a device to write to instead
#   of a file (then stdout is not compared).  In ARGS, @D@ stands for the data
#   folder: its host path natively, /data in the module.
check() {
  local name=$1 want=$2 in=$D/$3 errmode=$4 dev= rc rt t0 ms
  shift 4
  [ "$1" != -- ] && { dev=$1; shift; }
  shift
  local nargs=("${@//@D@/$D}") wargs=("${@//@D@//data}")
  local nout=$O/$name.native.out nerr=$O/$name.native.err
  t0=$(now_ms)
  "${TIMEOUT[@]}" "$NATIVE" "${nargs[@]}" <"$in" >"${dev:-$nout}" 2>"$nerr"; rc=$?
  ms=$(($(now_ms) - t0))
  [ -n "$dev" ] && : >"$nout"
  if [ "$rc" != "$want" ]; then
    bad "native $name: exit $rc, want $want"; sed 's/^/     /' "$nerr" | head -5
  else
    ok "native $name (exit $rc, ${ms} ms)"
  fi
  errcheck native "$name" "$nerr" "$errmode" "$nerr"
  for rt in "${RUNTIMES[@]}"; do
    local out=$O/$name.$rt.out err=$O/$name.$rt.err
    t0=$(now_ms)
    "${TIMEOUT[@]}" "$RUN" "$rt" --dir "$D::/data" "$WASM" "${wargs[@]}" <"$in" >"${dev:-$out}" 2>"$err"; rc=$?
    ms=$(($(now_ms) - t0))
    [ -n "$dev" ] && : >"$out"
    if [ "$rc" != "$want" ]; then
      bad "$rt $name: exit $rc, want $want (as native)"; sed 's/^/     /' "$err" | head -5
    elif ! cmp -s "$out" "$nout"; then
      bad "$rt $name: stdout differs from native"; cmp "$out" "$nout" 2>&1 | sed 's/^/     /'
    else
      ok "$rt $name (exit $rc, ${ms} ms)"
    fi
    errcheck "$rt" "$name" "$err" "$errmode" "$nerr"
  done
}

# errcheck WHO NAME ERRFILE MODE NATIVE_ERRFILE
errcheck() {
  case $4 in
    empty) [ ! -s "$3" ] || { bad "$1 $2: unexpected stderr"; sed 's/^/     /' "$3" | head -5; } ;;
    nonempty) [ -s "$3" ] || bad "$1 $2: no message on stderr" ;;
    same) cmp -s "$3" "$5" || { bad "$1 $2: stderr differs from native"; diff "$5" "$3" | sed 's/^/     /' | head -6; } ;;
  esac
}

# expect NAME FILE: the native output of case NAME must be FILE.
expect() {
  if cmp -s "$O/$1.native.out" "$2"; then ok "expected output: $1"
  else bad "expected output: $1"; cmp "$O/$1.native.out" "$2" 2>&1 | sed 's/^/     /'; fi
}
# same_as NAME OTHER: native outputs of two cases are identical.
same_as() {
  if cmp -s "$O/$1.native.out" "$O/$2.native.out"; then ok "same output: $1 = $2"
  else bad "same output: $1 != $2"; fi
}

echo "native: $NATIVE"
echo "wasm:   $WASM (${RUNTIMES[*]})"

# Small inputs, each transform.
check empty-copy      0 empty.txt empty --
check empty-upper     0 empty.txt empty -- --upper
check one-upper       0 one.txt   empty -- --upper
check nonl-upper      0 nonl.txt  empty -- --upper
check nonl-reverse    0 nonl.txt  empty -- --reverse
check nonl-count      0 nonl.txt  empty -- --count-words
check mixed-copy      0 mixed.txt empty -- -j 3
check mixed-upper     0 mixed.txt empty -- --upper --slice 1
check mixed-lower     0 mixed.txt empty -- --lower
check mixed-reverse   0 mixed.txt empty -- --reverse --slice 2
check mixed-count     0 mixed.txt empty -- --count-words
check mixed-chain     0 mixed.txt empty -- --reverse --upper --count-words -j 2
expect empty-copy   "$T/empty"
expect empty-upper  "$T/empty"
expect one-upper    "$T/one.upper"
expect nonl-upper   "$T/nonl.upper"
expect nonl-reverse "$T/nonl.reverse"
expect nonl-count   "$T/nonl.count"
expect mixed-copy   "$D/mixed.txt"
expect mixed-upper  "$T/mixed.upper"
expect mixed-reverse "$T/mixed.reverse"
expect mixed-count  "$T/mixed.count"

# 10,000 lines: each transform, and the order whatever the workers and slices.
check many-copy       0 many.txt  empty --
check many-upper      0 many.txt  empty -- --upper
check many-lower      0 many.txt  empty -- --upper --lower
check many-reverse    0 many.txt  empty -- --reverse
check many-count      0 many.txt  empty -- --count-words
check many-upper-j1   0 many.txt  empty -- --upper -j 1
check many-upper-j64  0 many.txt  empty -- --upper --workers 64 --slice 1
check many-upper-j1000 0 many.txt empty -- --upper --workers=1000 --slice=3
check many-upper-s0   0 many.txt  empty -- --upper --slice 0
check many-nonl       0 many-nonl.txt empty -- --upper -j 7
check many-stats      0 many.txt  same  -- --reverse -j 8 --slice 5 --stats
check many-unordered  0 many.txt  empty -- --upper -j 8 --slice 1 --unordered
check many-input      0 empty.txt empty -- --upper --input @D@/many.txt
check many-input-dash 0 many.txt  empty -- --upper --input -
check skew-upper      0 skew.txt  empty -- --upper
check skew-unordered  0 skew.txt  empty -- --upper --unordered
expect many-copy      "$D/many.txt"
expect many-upper     "$T/many.upper"
expect many-lower     "$D/many.txt"
expect many-reverse   "$T/many.reverse"
expect many-count     "$T/many.count"
expect many-upper-j1  "$T/many.upper"
expect many-upper-j64 "$T/many.upper"
expect many-upper-j1000 "$T/many.upper"
expect many-upper-s0  "$T/many.upper"
expect many-nonl      "$T/many-nonl.upper"
expect many-input     "$T/many.upper"
expect many-input-dash "$T/many.upper"
expect skew-upper     "$T/skew.upper"
# The guarantee is not trivially met: in completion order the lines do come
# out of order (a permutation of the right lines), and the writer did reorder.
for c in many-unordered skew-unordered; do
  src=${c%-unordered}; ref=$T/$src.upper
  if cmp -s "$O/$c.native.out" "$ref"; then bad "$c: completion order equals input order (nothing to reorder)"
  elif cmp -s <(sort "$O/$c.native.out") <(sort "$ref"); then ok "$c: same lines, other order"
  else bad "$c: not a permutation of the expected lines"; fi
done
if grep -Eq 'reorder peak [1-9]' "$O/many-stats.native.err"; then ok "many-stats: the writer held lines back ($(sed 's/^pipeline: //' "$O/many-stats.native.err"))"
else bad "many-stats: no reordering reported: $(cat "$O/many-stats.native.err")"; fi

# Usage, errors.
check help            0 empty.txt same -- --help
check help-short      0 empty.txt same -- -h --bogus
check bad-flag        2 one.txt   same -- --bogus
check bad-short       2 one.txt   same -- -x
check bad-arg         2 one.txt   same -- --upper file.txt
check bad-workers-0   2 one.txt   same -- -j 0
check bad-workers-big 2 one.txt   same -- --workers 1001
check bad-workers-abc 2 one.txt   same -- --workers=4x
check bad-no-value    2 one.txt   same -- --upper -j
check bad-slice       2 one.txt   same -- --slice -1
check bad-flag-value  2 one.txt   same -- --upper=yes
check missing-file    1 one.txt   nonempty -- --upper --input @D@/no-such-file.txt
if [ -w /dev/full ]; then
  check write-error   1 many.txt  nonempty /dev/full -- --upper -j 8
fi
if head -1 "$O/help.native.out" | grep -q '^usage: pipeline'; then ok "help: usage on stdout"
else bad "help: no usage line on stdout"; fi
for c in bad-flag missing-file; do
  if [ -s "$O/$c.native.out" ]; then bad "$c: wrote to stdout"; else ok "$c: nothing on stdout"; fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
