import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// Shared helpers for the peer benchmarks: summaries and output format.
// Machine-readable lines are `name value_ns` (value = min, the least
// disturbed run); `name_median` and `name_max` lines give the spread.
export function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { min: s[0], median, max: s[s.length - 1], n: s.length };
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(2));

// rows: [[name, samples[]], ...]; a single sample prints as one line.
export function report(rows) {
  for (const [name, xs] of rows) {
    const s = summary(xs);
    console.log(`${name} ${fmt(s.min)}`);
    if (s.n > 1) console.log(`${name}_median ${fmt(s.median)}\n${name}_max ${fmt(s.max)}`);
  }
  const w = Math.max(...rows.map(([n]) => n.length));
  console.log(`# ${'name'.padEnd(w)} ${'min'.padStart(10)} ${'median'.padStart(10)} ${'max'.padStart(10)}  (ns)`);
  for (const [name, xs] of rows) {
    const s = summary(xs);
    console.log(`# ${name.padEnd(w)} ${fmt(s.min).padStart(10)} ${fmt(s.median).padStart(10)} ${fmt(s.max).padStart(10)}  n=${s.n}`);
  }
}

// fib(20) in JS: a canary for the JS-only peers (same role as canary_ns in wasm).
function fib(k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); }
export function jsCanaryNs(calls = 200) {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += fib(20);
  const t1 = process.hrtime.bigint();
  if (sink === -1) console.log(''); // keep sink alive
  return Number(t1 - t0) / calls;
}

// True when this module is the script node was started with (not imported).
export const isMain = (meta) =>
  !!process.argv[1] && meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
