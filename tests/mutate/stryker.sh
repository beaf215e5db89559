#!/usr/bin/env bash
# stryker.sh -- Stryker (from npm, installed under build/stryker) on the JS
# layer's js/values.js, in a sandbox copy, with js/test/values.test.mjs as
# the test.  Reports the share of mutants killed; fails below --break.
#   tests/mutate/stryker.sh [--break PERCENT]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BREAK=0
[ "${1:-}" = --break ] && BREAK=$2
VERSION=9.5.1 # the last line that runs on Node 20
DIR=build/stryker
if [ ! -x "$DIR/node_modules/.bin/stryker" ] ||
   ! grep -q "\"version\": \"$VERSION\"" "$DIR/node_modules/@stryker-mutator/core/package.json"; then
    mkdir -p "$DIR"
    [ -f "$DIR/package.json" ] || echo '{ "private": true }' > "$DIR/package.json"
    npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error \
        "@stryker-mutator/core@$VERSION"
fi
node js/tools/build.mjs --if-missing # the modules the test loads
# Stryker finds its plugins next to itself.
rm -f "$DIR/report.json"
"$DIR/node_modules/.bin/stryker" run tests/mutate/stryker.config.json
# The score from the report: killed + timeout over all that ran; every
# survivor must be named, with its reason, in stryker-survivors.json.
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
const named = JSON.parse(fs.readFileSync(process.argv[3], "utf8")).survivors;
const n = {}, unexplained = [], used = new Set();
for (const [file, f] of Object.entries(r.files)) {
  const lines = f.source.split("\n");
  for (const m of f.mutants) {
    n[m.status] = (n[m.status] || 0) + 1;
    if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
    const { start: s, end: e } = m.location;
    const code = s.line === e.line ? lines[s.line - 1].slice(s.column - 1, e.column - 1) : "(several lines)";
    const i = named.findIndex((x) => file.endsWith(x.file) && x.code === code && x.replacement === m.replacement);
    const where = `${file.replace(/.*\/js\//, "js/")}:${s.line} ${m.mutatorName}: ${code} -> ${m.replacement}`;
    if (i < 0) unexplained.push(where);
    else { used.add(i); console.log(`stryker: survivor ${where} -- ${named[i].reason}`); }
  }
}
const caught = (n.Killed || 0) + (n.Timeout || 0);
const ran = caught + (n.Survived || 0) + (n.NoCoverage || 0);
const share = ran ? (100 * caught) / ran : 0;
console.log(`stryker: ${caught} of ${ran} mutants of js/values.js and js/clone.js caught (${share.toFixed(1)}%): ` + JSON.stringify(n));
named.forEach((x, i) => { if (!used.has(i)) console.log(`stryker: listed survivor now caught (unlist it): ${x.file} ${x.code} -> ${x.replacement}`); });
let ok = true;
for (const u of unexplained) { console.log(`stryker: FAIL: unexplained survivor ${u}: add a test or name it with its reason`); ok = false; }
if (share < Number(process.argv[2])) { console.log(`stryker: FAIL: below ${process.argv[2]}%`); ok = false; }
process.exit(ok ? 0 : 1);
' "$DIR/report.json" "$BREAK" tests/mutate/stryker-survivors.json
