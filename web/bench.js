// bench.js -- the benchmark section (filled in below).
export function setupBench() {}
