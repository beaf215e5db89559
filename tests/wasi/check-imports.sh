#!/usr/bin/env bash
# Fail unless every module imports only from wasi_snapshot_preview1: that is the
# one interface wasmtime, wazero and node:wasi all provide. A stray `env.*` import
# (an undefined C symbol the linker let through) or a leftover `asyncify.*`
# (wasm-opt --asyncify not run) would make the module unloadable there.
#   check-imports.sh module.wasm...
set -uo pipefail
command -v wasm-objdump >/dev/null || { echo "check-imports.sh: wasm-objdump missing (apt-get install wabt)" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: check-imports.sh module.wasm..." >&2; exit 2; }

status=0
for m in "$@"; do
  # Whole -x dump: `-j Import` errors out on a module that has no imports.
  if ! dump=$(wasm-objdump -x "$m" 2>&1); then
    echo "$m: wasm-objdump failed: $dump" >&2; status=1; continue
  fi
  # Keep the Import section; its lines look like " - func[3] sig=2 <name> <- module.field".
  dump=$(sed -n '/^Import\[/,/^[A-Z]/p' <<<"$dump")
  bad=$(grep -e ' <- ' <<<"$dump" | grep -v ' <- wasi_snapshot_preview1\.' || true)
  if [ -n "$bad" ]; then
    echo "$m: imports from outside wasi_snapshot_preview1:" >&2
    sed 's/^/  /' <<<"$bad" >&2
    status=1
  else
    echo "$m: OK ($(grep -c ' <- ' <<<"$dump") imports, all wasi_snapshot_preview1)"
  fi
done
exit $status
