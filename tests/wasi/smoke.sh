#!/usr/bin/env bash
# Builds tests/wasi/smoke.c with Debian's clang-14 + wasi-libc and runs it under
# every engine through wasm/tools/run-wasi.sh, comparing stdout/stderr byte for
# byte and exit statuses. Needs wasm/tools/setup-wasi-engines.sh to have run.
#   smoke.sh [RUNTIME...]      (default: wasmtime wazero node; also wasmtime-py)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN=$ROOT/wasm/tools/run-wasi.sh
RUNTIMES=(wasmtime wazero node)
[ $# -eq 0 ] || RUNTIMES=("$@")

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# These are the flags the CMake toolchain file should use too:
# -nostdlibinc -idirafter: --sysroot=/usr alone also searches /usr/include and
#   /usr/local/include, so host (glibc) headers would silently compile into wasm.
# Compile with -O, link without it: clang-14 runs wasm-opt itself when it links
#   with -O and finds it on PATH, stripping the names later passes need.
# --strip-debug: Debian's libc.a carries DWARF (~100 KB per module).
CC=${WASI_CC:-clang-14}
CFLAGS=(--target=wasm32-wasi --sysroot=/usr -nostdlibinc -idirafter /usr/include/wasm32-wasi -O2)
LDFLAGS=(--target=wasm32-wasi --sysroot=/usr -Wl,--strip-debug)
"$CC" "${CFLAGS[@]}" -c "$HERE/smoke.c" -o "$T/smoke.o" &&
  "$CC" "${LDFLAGS[@]}" "$T/smoke.o" -o "$T/smoke.wasm" || { echo "smoke: build failed" >&2; exit 1; }

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# A module with an undefined function must be refused by check-imports.sh.
printf 'void missing(void);\nint main(void){missing();return 0;}\n' >"$T/undef.c"
"$CC" "${CFLAGS[@]}" -c "$T/undef.c" -o "$T/undef.o" &&
  "$CC" "${LDFLAGS[@]}" -Wl,--allow-undefined "$T/undef.o" -o "$T/undef.wasm"
if "$HERE/check-imports.sh" "$T/smoke.wasm"; then ok "check-imports smoke.wasm"; else bad "check-imports smoke.wasm"; fi
if ! "$HERE/check-imports.sh" "$T/undef.wasm" 2>/dev/null; then ok "check-imports refuses env.missing"; else bad "check-imports accepted env.missing"; fi

# Expected results, shared by all engines. Input has NUL, 0xff, CR and no final newline.
printf 'line one\n\0\377\r\nlast' >"$T/in"
{ cat "$T/in"; printf '[hello world]\n[--]\n[-x]\n[]\n'; } >"$T/exp1"
printf 'argc=6 argv0=smoke.wasm\n' >"$T/err1"
awk 'BEGIN{for(i=0;i<1000000;i++) printf "%c", 97+i%26}' >"$T/expbig"
mkdir "$T/share" && printf 'from a preopen\n' >"$T/share/f.txt"

# check NAME EXPECTED_STATUS EXPECTED_STDOUT EXPECTED_STDERR(or -) -- run-wasi.sh args...
check() {
  local name=$1 want=$2 out=$3 err=$4 rc; shift 5
  "$RUN" "$rt" "$@" <"${STDIN:-/dev/null}" >"$T/out" 2>"$T/err"; rc=$?
  if [ "$rc" != "$want" ]; then bad "$rt $name: exit $rc, want $want"; sed 's/^/     /' "$T/err"; return; fi
  if ! cmp -s "$T/out" "$out"; then bad "$rt $name: stdout differs"; cmp "$T/out" "$out" | sed 's/^/     /'; return; fi
  if [ "$err" != - ] && ! cmp -s "$T/err" "$err"; then bad "$rt $name: stderr differs"; sed 's/^/     /' "$T/err"; return; fi
  ok "$rt $name"
}

: >"$T/empty"
printf 'usage: smoke CODE [words...] | trap | big N | env NAME | cat PATH\n' >"$T/usage"
printf 'argc=2 argv0=smoke.wasm\n' >"$T/err0"
printf '(unset)\n' >"$T/unset"
printf 'v a=1\n' >"$T/envval"
for rt in "${RUNTIMES[@]}"; do
  STDIN=$T/in check "echo+args" 7 "$T/exp1" "$T/err1" -- "$T/smoke.wasm" 7 "hello world" -- -x ""
  check "exit 0" 0 "$T/empty" "$T/err0" -- "$T/smoke.wasm" 0
  check "exit 125" 125 "$T/empty" - -- "$T/smoke.wasm" 125
  # Wasmtime's WASI refuses proc_exit codes >= 126 (an error, status 1): keep codes small.
  want=255; [[ $rt == wasmtime* ]] && want=1   # the CLI and the Python engine alike
  check "exit 255" $want "$T/empty" - -- "$T/smoke.wasm" 255
  check "no args (argc 1)" 2 "$T/empty" "$T/usage" -- "$T/smoke.wasm"
  check "env not passed" 0 "$T/unset" "$T/empty" -- "$T/smoke.wasm" env HOME
  SLP_SMOKE="v a=1" check "--env NAME" 0 "$T/envval" "$T/empty" -- --env SLP_SMOKE "$T/smoke.wasm" env SLP_SMOKE
  check "--dir" 0 "$T/share/f.txt" "$T/empty" -- --dir "$T/share::/data" "$T/smoke.wasm" cat /data/f.txt
  # Big output through a pipe: every byte must arrive before the process exits.
  "$RUN" "$rt" "$T/smoke.wasm" big 1000000 </dev/null 2>"$T/err" | cat >"$T/out"
  if cmp -s "$T/out" "$T/expbig"; then ok "$rt 1 MB to a pipe"; else bad "$rt 1 MB to a pipe ($(wc -c <"$T/out") bytes)"; fi
  # A trap: wazero reports it with status 1, the others with 134 like wasmtime's CLI.
  want=134; [ "$rt" = wazero ] && want=1
  check "trap" $want "$T/empty" - -- "$T/smoke.wasm" trap
  grep -q 'about to trap' "$T/err" && [ "$(wc -l <"$T/err")" -gt 1 ] || bad "$rt trap: no error message on stderr"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
