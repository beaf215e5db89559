// bench.js -- the benchmark section: the project's benchmark program
// (bench/bench.c, compiled by Emscripten) run in Chromium, on the page's
// thread (a frame that shares it) and in a Web Worker, shown beside the
// figures bench/run.sh measured with Node.
//
// Figures are lines `name value` (bench.c prints them; `#` lines are
// comments).  The Node figures are read from build/bench/node.json:
//   { "generated": "2026-11-25T14:30:00Z",       ISO date of the run
//     "host": "Linux x86_64, 2 vCPU",             free text
//     "runs": { "<run name>": { "<figure>": number, ... }, ... } }
// e.g. runs "native", "node (emscripten)", "wasi (wazero)"; or loaded by
// hand from a file in that form or in the `name value` form.

const FIGURES = [
  ['canary_ns', 'fib(20), calls nothing of ours: CPU speed', 'ns'],
  ['schedule_rt_ns', 'two tasklets schedule() to each other: round trip', 'ns'],
  ['channel_rt_ns', 'ping-pong over two channels on one thread', 'ns'],
  ['xthread_rt_ns', 'ping-pong between tasklets of two threads', 'ns'],
  ['xthread_busy_rt_ns', 'the same while both threads have other work', 'ns'],
  ['blocked_bytes', 'memory per tasklet blocked on a channel (100,000)', 'B'],
];
const DEFAULT = new Set(['canary_ns', 'schedule_rt_ns', 'channel_rt_ns', 'xthread_rt_ns']);
const BUILD_DIRS = ['../build/bench/emscripten/', '../build/emscripten/bench/'];
const NODE_JSON = '../build/bench/node.json';
import { isolatedByServiceWorker, workerScriptURL } from './coi-worker.js';

const COLORS = ['#1d7a36', '#0b5cad', '#a25a00', '#7a3ea8', '#5b6167', '#b3261e'];

export function parseLines(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][\w.-]*)\s+(-?[\d.]+(?:e[+-]?\d+)?)\s*$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

export function parseNodeFigures(text) {
  const t = text.trim();
  if (t.startsWith('{')) {
    const j = JSON.parse(t);
    if (j.runs && typeof j.runs === 'object') return { meta: j, runs: j.runs };
    return { meta: {}, runs: { node: j } }; // a flat { name: value } object
  }
  return { meta: {}, runs: { node: parseLines(t) } };
}

let dir = null;
const results = {}; // run name -> { figure: value }
const order = [];   // run names in column order

function $(s, root = document) { return root.querySelector(s); }
function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k in e) e[k] = v; else e.setAttribute(k, v);
  }
  e.append(...kids);
  return e;
}

function setRun(name, figures) {
  if (!order.includes(name)) order.push(name);
  results[name] = { ...(results[name] ?? {}), ...figures };
  draw();
}

function fmt(v, unit) {
  if (v === undefined) return '–';
  const s = v >= 100 ? Math.round(v).toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 1 });
  return `${s} ${unit}`;
}

function draw() {
  const table = $('#bench-table');
  const bars = $('#bench-bars');
  const used = FIGURES.filter(([n]) => order.some((r) => results[r][n] !== undefined));
  table.replaceChildren(
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'figure'),
      ...order.map((r) => el('th', { scope: 'col', class: 'num' }, r)))),
    el('tbody', {}, ...used.map(([n, what, unit]) => el('tr', { 'data-figure': n },
      el('th', { scope: 'row', title: what }, n),
      ...order.map((r) => el('td', { class: 'num', 'data-run': r }, fmt(results[r][n], unit)))))));
  bars.replaceChildren(...used.map(([n, what, unit]) => {
    const vals = order.map((r) => results[r][n]).filter((v) => v !== undefined);
    const max = Math.max(...vals, 1e-9);
    return el('div', { class: 'bar-group', role: 'img', 'aria-label': `${n}: ` + order.map((r) => `${r} ${fmt(results[r][n], unit)}`).join(', ') },
      el('h4', {}, `${n} `, el('span', { class: 'hint' }, `${what} (lower is better)`)),
      ...order.map((r, i) => {
        const v = results[r][n];
        const fill = el('div', { class: 'fill' });
        fill.style.width = v === undefined ? '0' : `${Math.max(0.5, (100 * v) / max)}%`;
        fill.style.setProperty('--c', COLORS[i % COLORS.length]);
        return el('div', { class: 'bar' }, el('span', {}, r), el('div', {}, fill), el('span', { class: 'v' }, fmt(v, unit)));
      }));
  }));
  $('#bench-empty').hidden = order.length > 0;
}

// What the demo's server says exists (web/serve.mjs), or null on a plain
// static host.
let optional;
function optionalFiles() {
  optional ??= fetch(new URL('./optional.json', import.meta.url))
    .then((r) => (r.ok ? r.json() : null)).catch(() => null);
  return optional;
}

async function findBuild() {
  const o = await optionalFiles();
  if (o) return o.benchDirs[0] ? new URL(o.benchDirs[0], location.href).href : null;
  for (const d of BUILD_DIRS) {
    const u = new URL(d, import.meta.url);
    try {
      const r = await fetch(new URL('slp_bench.wasm', u), { method: 'HEAD' });
      if (r.ok) return u.href;
    } catch { /* next */ }
  }
  return null;
}

async function loadNode(status) {
  try {
    const o = await optionalFiles();
    if (o && !o.nodeFigures) { status(`no Node figures yet (${NODE_JSON.slice(3)}: bench/run.sh writes it); load a file instead`); return; }
    const r = await fetch(new URL(NODE_JSON, import.meta.url));
    if (!r.ok) { status(`no Node figures yet (${NODE_JSON.slice(3)}: bench/run.sh writes it); load a file instead`); return; }
    const { meta, runs } = parseNodeFigures(await r.text());
    for (const [name, figs] of Object.entries(runs)) setRun(name, figs);
    status(`Node figures from ${NODE_JSON.slice(3)}${meta.generated ? ` (${meta.generated})` : ''}`);
  } catch (e) { status(`could not read the Node figures: ${e.message}`); }
}

// Run the program with args (figure names); where: 'page' or 'worker'.
// Resolves with its figures.
async function runBench(where, args, onLine) {
  // Under the service worker, the program's pthread workers start from a blob.
  const pthreadWorker = isolatedByServiceWorker() ? await workerScriptURL(new URL('slp_bench.worker.js', dir), true) : null;
  return new Promise((resolve, reject) => {
    const lines = [];
    const handle = (m) => {
      if (m.line !== undefined) { lines.push(m.line); onLine?.(m.line, m.err); }
      if (m.done) {
        cleanup();
        if (m.status !== 0) reject(new Error(m.error ?? `exit status ${m.status}: ${lines.slice(-1)[0] ?? ''}`));
        else resolve(parseLines(lines.join('\n')));
      }
    };
    let cleanup;
    if (where === 'worker') {
      const w = new Worker(new URL('./bench-worker.js', import.meta.url));
      w.onmessage = ({ data }) => handle(data);
      w.onerror = (e) => { cleanup(); reject(new Error(e.message)); };
      cleanup = () => w.terminate();
      w.postMessage({ dir, args, pthreadWorker });
    } else {
      const f = el('iframe', { title: 'benchmark on the page\u2019s thread', hidden: true });
      const onMsg = (ev) => { if (ev.source === f.contentWindow && ev.data?.kind === 'bench-frame') handle(ev.data); };
      addEventListener('message', onMsg);
      cleanup = () => { removeEventListener('message', onMsg); setTimeout(() => f.remove(), 0); };
      f.src = `bench-frame.html?dir=${encodeURIComponent(dir)}&args=${args.join(',')}` +
        (pthreadWorker ? `&pthreadWorker=${encodeURIComponent(pthreadWorker)}` : '');
      document.body.append(f);
    }
  });
}

export function setupBench({ isolated, log }) {
  const body = $('#bench-body');
  const status = el('p', { id: 'bench-status', class: 'hint', role: 'status' }, 'looking for the benchmark build…');
  const checks = el('fieldset', { class: 'controls' }, el('legend', {}, 'Figures to measure'),
    ...FIGURES.map(([n, what]) => el('label', { title: what },
      el('input', { type: 'checkbox', value: n, checked: DEFAULT.has(n) }), n)));
  const bPage = el('button', { type: 'button', id: 'bench-page', disabled: true }, 'Run on the page\u2019s thread');
  const bWorker = el('button', { type: 'button', id: 'bench-worker', disabled: true }, 'Run in a worker');
  const file = el('input', { type: 'file', id: 'bench-file', accept: '.json,.txt,text/plain,application/json' });
  body.append(
    el('p', {}, 'The project\u2019s benchmark program (', el('code', {}, 'bench/bench.c'),
      '), compiled by Emscripten, run here in Chromium: on the page\u2019s thread, where the browser lets it spin but ' +
      'never sleep (the page does not paint until it is done), and in a Web Worker, where it sleeps as in Node. ' +
      'Beside them, the figures ', el('code', {}, 'bench/run.sh'), ' measured with Node. ',
      el('code', {}, 'canary_ns'), ' calls nothing of ours: compare the others to it, the machines here change speed.'),
    checks,
    el('div', { class: 'controls' }, bPage, bWorker,
      el('label', {}, 'Node figures from a file ', file)),
    status,
    el('p', { id: 'bench-empty', class: 'hint' }, 'No figures yet.'),
    el('div', { class: 'bench-grid' },
      el('div', { class: 'table-wrap' }, el('table', { id: 'bench-table' })),
      el('div', { id: 'bench-bars', class: 'bars' })),
  );
  const say = (s) => { status.textContent = s; };
  const names = () => [...checks.querySelectorAll('input:checked')].map((i) => i.value);
  let busy = false;
  const go = async (where) => {
    if (busy || !dir) return;
    busy = true;
    bPage.disabled = bWorker.disabled = true;
    const label = where === 'worker' ? 'Chromium, worker' : 'Chromium, page thread';
    const args = names();
    say(`${label}: running ${args.join(', ')}${where === 'page' ? ' (the page is frozen meanwhile)' : ''}…`);
    // Let the status paint before a page-thread run takes the thread.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 30)));
    try {
      const figs = await runBench(where, args, (line) => { if (!line.startsWith('#')) say(`${label}: ${line}`); });
      setRun(label, figs);
      say(`${label}: done`);
      log?.(`benchmark, ${label}: ${Object.entries(figs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      (globalThis.demo ??= {}).bench = { ...results };
      return figs;
    } catch (e) {
      say(`${label}: failed: ${e.message}`);
      log?.(`benchmark, ${label}: ${e.message}`, 'error');
      throw e;
    } finally {
      busy = false;
      bPage.disabled = bWorker.disabled = !dir;
    }
  };
  bPage.addEventListener('click', () => go('page').catch(() => {}));
  bWorker.addEventListener('click', () => go('worker').catch(() => {}));
  file.addEventListener('change', async () => {
    const f = file.files[0];
    if (!f) return;
    try {
      const { runs } = parseNodeFigures(await f.text());
      for (const [name, figs] of Object.entries(runs)) setRun(name === 'node' ? `${f.name}` : name, figs);
      say(`figures loaded from ${f.name}`);
    } catch (e) { say(`${f.name}: ${e.message}`); }
  });
  (globalThis.demo ??= {}).benchApi = { run: (where, args) => { if (args) for (const i of checks.querySelectorAll('input')) i.checked = args.includes(i.value); return go(where); }, results };
  draw();
  (async () => {
    await loadNode(say);
    dir = isolated ? await findBuild() : null;
    if (!isolated) say('the benchmark needs cross-origin isolation (it starts threads)');
    else if (!dir) say('benchmark not built: bench/run.sh builds it (cmake --build build/emscripten --target slp_bench)');
    else { bPage.disabled = bWorker.disabled = false; if (!order.length) say(`ready (${new URL(dir).pathname})`); }
  })();
}
