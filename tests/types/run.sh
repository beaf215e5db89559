#!/usr/bin/env bash
# The package's types under `tsc --strict` (TypeScript from npm, pinned in
# package.json, installed here in node_modules, which
# also links the package itself, so imports resolve through its exports map):
#   idioms.ts   every documented idiom: must compile
#   misuse.ts   known mistakes, each after a @ts-expect-error: must compile
#               (an unused directive is an error), and without the directives
#               tsc must report an error on exactly those lines
#   tests/types/run.sh
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE"
TSC=node_modules/.bin/tsc
want=$(node -p 'require("./package.json").devDependencies.typescript')
if [ ! -x "$TSC" ] || [ "$("$TSC" --version 2>/dev/null)" != "Version $want" ]; then
  echo "types: installing typescript $want into tests/types/node_modules"
  # No lock file: typescript is pinned exactly (its native binaries too), and
  # the package itself is a link (a lock would go stale at each of its edits).
  npm install --no-save --no-package-lock --no-audit --no-fund --silent \
    || { echo "types: npm install failed" >&2; exit 1; }
fi
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

if out=$("$TSC" -p . 2>&1); then
  ok "tsc --strict: idioms.ts compiles, every misuse in misuse.ts is an error"
else
  bad "tsc --strict on idioms.ts + misuse.ts"; printf '%s\n' "$out" | sed 's/^/     /'
fi

# The same misuses without their directives (line numbers kept).
bare=.bare-misuse.ts
trap 'rm -f "$bare" tsconfig.bare.json' EXIT
sed 's|^\( *\)// @ts-expect-error.*|\1//|' misuse.ts >"$bare"
printf '{ "extends": "./tsconfig.json", "files": ["%s"] }\n' "$bare" >tsconfig.bare.json
expected=$(grep -n '^ *// @ts-expect-error' misuse.ts | cut -d: -f1 | while read -r l; do echo $((l + 1)); done)
got=$("$TSC" -p tsconfig.bare.json 2>&1 | sed -n "s|^$bare(\([0-9]*\),.*|\1|p" | sort -un)
n=$(printf '%s\n' "$expected" | wc -l)
if [ "$got" = "$(printf '%s\n' "$expected" | sort -un)" ]; then
  ok "without the directives, tsc refuses exactly the $n misuses"
else
  bad "misuse lines refused: got [$(echo $got)], want [$(echo $expected)]"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
