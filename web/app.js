// app.js -- the demo page.  It imports the package as a user would
// ('stackless-wasm', mapped to the repository's js/index.js by the page's
// import map: the files the package ships, not a copy).
//
// The page's thread is one scheduler among others: it never blocks (the
// package awaits instead of sleeping there), so the picture keeps its frame
// rate while the workers pass messages.
import * as slp from 'stackless-wasm';
import { takeSnapshot, hasSnapshot, countByState, STATES, balanceOf, preferenceOf, signed } from './introspect.js';
import { Picture, shortId } from './picture.js';
import { setupBench } from './bench.js';
import { initOptions } from './coi-worker.js';

const $ = (s) => document.querySelector(s);
const isolated = globalThis.crossOriginIsolated === true;
const demo = (globalThis.demo = { ready: null, errors: [], log: [] });

// ------------------------------------------------------------------ log

function log(text, kind = 'info') {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = text;
  const ul = $('#log');
  ul.prepend(li);
  while (ul.childElementCount > 40) ul.lastElementChild.remove();
  demo.log.push(text);
  if (kind === 'error') demo.errors.push(text);
}

function errText(e) { return `${e?.name ?? 'Error'}: ${e?.message ?? e}`; }

// ---------------------------------------------------------- isolation

function showIsolation() {
  const badge = $('#isolation');
  badge.textContent = isolated ? 'cross-origin isolated' : 'not cross-origin isolated';
  badge.className = `badge ${isolated ? 'ok' : 'bad'}`;
  document.body.classList.toggle('isolated', isolated);
  document.body.classList.toggle('not-isolated', !isolated);
  if (isolated) return;
  const n = $('#notice');
  n.hidden = false;
  const pending = globalThis.coiStatus ?? 'unavailable';
  n.innerHTML = `
    <h2>This page is not cross-origin isolated</h2>
    <p>Workers share the runtime's memory through <code>SharedArrayBuffer</code>, which browsers
    only give to a cross-origin isolated page. So here the demo runs only what needs no
    shared memory: tasklets and channels on the page's own thread.</p>
    <p><strong>The fix:</strong> serve the page with the two headers</p>
    <pre>Cross-Origin-Opener-Policy: same-origin
Cross-Origin-Embedder-Policy: require-corp</pre>
    <p>(<code>npm run demo</code> does), or let the page install its service worker
    (<code>coi-serviceworker.js</code>), which adds them on hosts where you cannot set headers.
    Service worker: <span id="coi-state"></span>.</p>`;
  $('#coi-state').textContent = pending;
}

// --------------------------------------------------------------- state

let picture = null;
const known = new Map();     // tasklet handle -> { tasklet, name, recv, send, main, c }
const names = new Map();     // tasklet handle -> { name, main }
const chans = [];            // { ch, name } shown in the channel table
const chanNames = new Map(); // channel handle -> name
const flow = new Map();      // channel handle -> { total }
const workers = [];          // { n, label, thread, id, cmds, echo, alive }
let workerSeq = 0;
let registry = null, jobs = null, results = null;
let selected = 0;
let jobSeq = 1;
let pageThread = 1;
let runtimeUp = false; // init() done: the picture may ask the runtime

function addChannel(ch, name) {
  chans.push({ ch, name });
  chanNames.set(ch.h, name);
}
function dropChannels(pred) {
  for (let i = chans.length - 1; i >= 0; i--) if (pred(chans[i])) chans.splice(i, 1);
}

// The page's operations, one at a time, so that the log and the picture
// follow the order of the clicks.  (The package itself lets main code have
// several channel operations waiting at once: see
// tests/browser/package-issues.test.mjs.)
let opChain = Promise.resolve();
function pageOp(fn) {
  const r = opChain.then(fn);
  opChain = r.catch(() => {});
  return r;
}

// The tasklets a worker made for the command it was sent: pairs of the
// tasklet and what it is, then null.
async function receiveRegistrations() {
  for (;;) {
    const t = await registry.receive();
    if (t === null) return;
    const info = await registry.receive();
    know(t, info);
  }
}

// Send a command to a worker and learn the tasklets it made.
async function command(w, cmd) {
  await w.cmds.send(cmd);
  await receiveRegistrations();
}

function know(t, info) {
  known.set(t.h, { tasklet: t, ...info });
  names.set(t.h, { name: info.name, main: !!info.main });
}

// Threads as the page labels them: its own, then the workers it started.
function threadList() {
  const list = [{ id: pageThread, label: "the page's thread" }];
  for (const w of workers) if (w.alive) list.push({ id: w.id, label: w.label });
  return list;
}

// ----------------------------------------------------- figures: fps etc.

const frames = [];     // timestamps of recent frames
let longTasks = 0, longestTask = 0;
const rate = [];       // [time, messages] posted by workers
let totalMessages = 0;

if (typeof PerformanceObserver === 'function' &&
    PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      longTasks++;
      longestTask = Math.max(longestTask, e.duration);
    }
  }).observe({ type: 'longtask', buffered: true });
}

const stats = new BroadcastChannel('stackless-demo-stats');
const pipelineWaits = new Map(); // run -> resolve
stats.onmessage = ({ data }) => {
  if (data.error) { log(`worker (thread ${data.thread}): ${data.error}`, 'error'); return; }
  if (data.pipeline) { pipelineWaits.get(data.pipeline.run)?.(data.pipeline); return; }
  let n = 0;
  for (const [h, c] of Object.entries(data.counts ?? {})) {
    const f = flow.get(Number(h)) ?? { total: 0 };
    f.total += c;
    flow.set(Number(h), f);
    n += c;
  }
  totalMessages += n;
  rate.push([performance.now(), n]);
};

function figures(now) {
  frames.push(now);
  while (frames.length && now - frames[0] > 1000) frames.shift();
  let gap = 0;
  for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i] - frames[i - 1]);
  while (rate.length && now - rate[0][0] > 1000) rate.shift();
  const mps = rate.reduce((s, [, n]) => s + n, 0);
  $('#fps').textContent = `${frames.length} fps`;
  $('#fps').title = `longest gap between frames in the last second: ${gap.toFixed(0)} ms`;
  $('#gap').textContent = `${gap.toFixed(0)} ms`;
  $('#mps').textContent = `${mps.toLocaleString('en')} msg/s`;
  $('#longtasks').textContent = longTasks ? `${longTasks} (longest ${longestTask.toFixed(0)} ms)` : '0';
  demo.fps = frames.length;
  demo.messagesPerSecond = mps;
  demo.totalMessages = totalMessages;
}

// --------------------------------------------------------- the picture

function frame(now) {
  try {
    figures(now);
    if (picture && runtimeUp) {
      const snap = takeSnapshot(slp, known);
      for (const t of snap.tasklets) if (!names.has(t.handle) && t.state !== 'dead') names.set(t.handle, { name: 'tasklet' });
      demo.lastSnapshot = snap;
      picture.selected = selected;
      picture.render(snap, { threads: threadList(), names, channels: chans, chanNames, flow });
      $('#source').textContent = snap.source === 'snapshot'
        ? 'drawn from the runtime\u2019s snapshot() at every frame'
        : 'drawn from the runtime\u2019s per-tasklet queries at every frame (the package has no snapshot() yet)';
      updateSelection();
    }
  } catch (e) {
    if (!frame.failed) { frame.failed = true; log(`picture: ${errText(e)}`, 'error'); console.error(e); }
  }
  requestAnimationFrame(frame);
}

// The runtime's own counts, now (for tests: the picture must match).
demo.runtimeCounts = () => countByState(takeSnapshot(slp, known).tasklets);
demo.pictureCounts = () => Object.fromEntries(STATES.map((s) =>
  [s, Number(document.querySelector(`#counts [data-state="${s}"] b`).textContent)]));
demo.channelBalances = () => Object.fromEntries(chans.map(({ ch, name }) => [name, balanceOf(ch)]));
demo.pictureBalances = () => Object.fromEntries([...document.querySelectorAll('#channels tr[data-channel]')]
  .map((tr) => [tr.querySelector('th').textContent, Number(tr.dataset.balance)]));

// ----------------------------------------------------- selection, kill

function select(h) {
  selected = selected === h ? 0 : h;
  updateSelection();
}

function updateSelection() {
  const k = known.get(selected);
  const nm = selected ? `${names.get(selected)?.name ?? 'tasklet'} ${shortId(selected)}` : 'none';
  $('#selected').textContent = nm;
  let tid = null, state = '';
  if (selected && demo.lastSnapshot) {
    const s = demo.lastSnapshot.tasklets.find((t) => t.handle === selected);
    tid = s?.thread ?? null;
    state = s?.state ?? '';
  }
  $('#kill').disabled = !k || state === 'dead' || !!k.main;
  $('#revive').disabled = !k || state !== 'nothread';
  $('#selected').dataset.state = state;
  demo.selected = { handle: selected, thread: tid, state };
}

function killSelected() { return pageOp(killSelectedNow); }
async function killSelectedNow() {
  const k = known.get(selected);
  if (!k) return;
  try {
    await k.tasklet.kill();
    k.ended = true;
    log(`killed ${k.name} ${shortId(selected)}`);
  } catch (e) { log(`kill: ${errText(e)}`, 'error'); }
}

// Revive a tasklet of a dead thread on a live worker (bind_thread).  The
// runtime moves tasklets without C state ("soft"); a JS tasklet's generator
// lives in the worker that made it, so the package refuses to move it.
function reviveSelected() { return pageOp(reviveSelectedNow); }
async function reviveSelectedNow() {
  const k = known.get(selected);
  const to = workers.find((w) => w.alive && String(w.n) === $('#revive-to').value);
  if (!k || !to) { log('revive: choose a tasklet of a dead thread and a live worker', 'error'); return; }
  const t = k.tasklet;
  try {
    if (!t.restorable) throw new Error(k.c ? 'it has C state on its stack (SLP_ECSTATE): it cannot leave its thread'
      : 'it is a JS tasklet: its generator lived in the terminated worker');
    t.bind_thread(to.id);
    log(`${k.name} ${shortId(t.h)} bound to ${to.label} (thread ${t.thread_id})`);
    if (k.c && k.recv) { // an echo: make it answer once on its new thread, then end it
      await k.recv.send('ping');
      const v = await k.recv.receive();
      log(`${k.name} ${shortId(t.h)} answered "${v}" on thread ${t.thread_id}`);
      await t.kill();
      k.ended = true;
      log(`${k.name} ${shortId(t.h)} finished on ${to.label}`);
    }
    demo.revived = { handle: t.h, thread: to.id };
  } catch (e) {
    log(`revive ${k.name} ${shortId(t.h)}: ${errText(e)}`, 'error');
    demo.reviveError = errText(e);
  }
}

// ------------------------------------------------------------ workers

const WORKER = new URL('./demo/worker.js', import.meta.url);

function addWorker(opts) { return pageOp(() => addWorkerNow(opts)); }
async function addWorkerNow({ waiters = 2, echo = true } = {}) {
  const n = ++workerSeq;
  const cmds = slp.channel();
  const label = `worker ${n}`;
  const thread = await slp.startThread(WORKER, 'serve', cmds, registry);
  const w = { n, label, thread, id: thread.id, cmds, echo: null, alive: true };
  workers.push(w);
  addChannel(cmds, `${label} commands`);
  thread.join().then((r) => {
    if (w.alive) log(`${label} ended: ${r}`);
    w.alive = false;
  }, (e) => { log(`${label}: ${errText(e)}`, 'error'); w.alive = false; });
  await receiveRegistrations(); // its main tasklet
  updateWorkerControls();
  if (waiters) await command(w, { op: 'waiters', n: waiters, jobs, results });
  if (echo) {
    w.echo = slp.channel();
    addChannel(w.echo, `${label} echo`);
    await command(w, { op: 'echo', ch: w.echo });
  }
  log(`${label} started (thread ${thread.id})`);
  return w;
}

function terminateWorker(n) { return pageOp(() => terminateWorkerNow(n)); }
async function terminateWorkerNow(n) {
  const w = workers.find((x) => x.n === n && x.alive);
  if (!w) return;
  w.alive = false;
  await w.thread.terminate();
  dropChannels((c) => c.ch === w.cmds);
  log(`${w.label} terminated: its tasklets now have thread_id -1`);
  updateWorkerControls();
}

function updateWorkerControls() {
  const live = workers.filter((w) => w.alive);
  for (const id of ['#terminate-which', '#revive-to']) {
    const sel = $(id);
    const was = sel.value;
    sel.replaceChildren(...live.map((w) => {
      const o = document.createElement('option');
      o.value = String(w.n);
      o.textContent = `${w.label} (thread ${w.id})`;
      return o;
    }));
    if (live.some((w) => String(w.n) === was)) sel.value = was;
  }
  $('#terminate').disabled = !live.length;
  $('#pipeline').disabled = !live.length;
  $('#spin').disabled = !live.length;
  $('#worker-count').textContent = String(live.length);
}

// ----------------------------------------------------------- pipeline

let pipelineRunning = false, pipelineRun = 0;

// producer (first worker) -> one stage per other worker -> consumer: every
// hop crosses from one worker to another.  The page only sends the
// commands; the consumer posts its result when the last value arrived.
async function startPipeline(n) {
  const live = workers.filter((w) => w.alive);
  if (!live.length || pipelineRunning) return null;
  pipelineRunning = true;
  $('#pipeline').disabled = true;
  const run = ++pipelineRun;
  const finished = new Promise((r) => pipelineWaits.set(run, r));
  const stages = Math.max(1, live.length - 1);
  const on = (i) => live[i % live.length];
  $('#pipeline-result').textContent = `running: ${n.toLocaleString('en')} messages…`;
  let t0;
  try {
    await pageOp(async () => {
      dropChannels((c) => c.name.startsWith('pipe'));
      const pipe = [];
      for (let i = 0; i <= stages; i++) { pipe.push(slp.channel()); addChannel(pipe[i], `pipe ${i}`); }
      t0 = performance.now();
      await command(on(stages + 1), { op: 'consumer', in: pipe[stages], stages, run });
      for (let i = stages - 1; i >= 0; i--) await command(on(i + 1), { op: 'stage', in: pipe[i], out: pipe[i + 1] });
      await command(on(0), { op: 'producer', out: pipe[0], n });
    });
    const r = await finished;
    const ms = performance.now() - t0;
    const ok = r.count === n && r.sum === (n * (n - 1)) / 2;
    const hops = stages + 1;
    const text = `${r.count.toLocaleString('en')} messages through ${hops} channels between ${live.length} ` +
      `worker${live.length > 1 ? 's' : ''} in ${ms.toFixed(0)} ms: ` +
      `${Math.round((r.count * hops) / (ms / 1000)).toLocaleString('en')} channel transfers/s` +
      (ok ? '; every value arrived, in order' : `; WRONG: sum ${r.sum}`);
    $('#pipeline-result').textContent = text;
    log(`pipeline: ${text}`, ok ? 'info' : 'error');
    demo.pipeline = { ...r, ms, ok, hops };
    return demo.pipeline;
  } catch (e) {
    $('#pipeline-result').textContent = `pipeline failed: ${errText(e)}`;
    log(`pipeline: ${errText(e)}`, 'error');
    return null;
  } finally {
    pipelineWaits.delete(run);
    pipelineRunning = false;
    updateWorkerControls();
  }
}

// --------------------------------------------------- jobs and results

// Both complete at once or not at all: the page does not wait on a channel
// that nobody may ever answer (its buttons are what would answer).
function sendJob() {
  return pageOp(async () => {
    if (balanceOf(jobs) >= 0) { log('no waiter is receiving on jobs now: nothing sent'); return false; }
    const v = jobSeq++;
    try {
      await jobs.send(v);
      log(`page sent job ${v}`);
      return true;
    } catch (e) { log(`send job: ${errText(e)}`, 'error'); return false; }
  });
}

function takeResult() {
  return pageOp(async () => {
    if (balanceOf(results) <= 0) { log('no tasklet is sending on results now: send a job first'); return null; }
    try {
      const r = await results.receive();
      log(`page received ${r.job}\u00b2 = ${r.square} from thread ${r.thread}`);
      return r;
    } catch (e) { log(`take result: ${errText(e)}`, 'error'); return null; }
  });
}

// ---------------------------------------------- a ring on the page's thread

// Three tasklets on the page's own thread pass a token round; the last hop
// is to the page, which takes it a moment later: between the two the last
// tasklet is seen blocked on send.  Needs no worker (nor SharedArrayBuffer).
let ring = null;
async function startRing() {
  if (ring) { ring.stop = true; return; }
  const c = [slp.channel(), slp.channel(), slp.channel()];
  const out = slp.channel();
  c.forEach((ch, i) => addChannel(ch, `ring ${i}`));
  addChannel(out, 'ring out');
  ring = { stop: false, laps: 0 };
  function* hop(inp, nxt) {
    for (;;) yield nxt.send((yield inp.receive()) + 1);
  }
  for (let i = 0; i < 3; i++) {
    const t = slp.tasklet(hop)(c[i], i < 2 ? c[i + 1] : out);
    know(t, { name: `ring ${i}`, recv: c[i], send: i < 2 ? c[i + 1] : out });
  }
  $('#ring').textContent = 'Stop the ring';
  $('#ring').setAttribute('aria-pressed', 'true');
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  try {
    await pageOp(() => slp.run());
    let v = 0;
    while (!ring.stop) {
      await pageOp(() => c[0].send(v));
      await sleep(500);
      v = await pageOp(() => out.receive());
      ring.laps++;
      $('#ring-result').textContent = `token went round ${ring.laps} time${ring.laps > 1 ? 's' : ''} (value ${v})`;
      await sleep(500);
    }
  } catch (e) {
    log(`ring: ${errText(e)}`, 'error');
  }
  await pageOp(async () => {
    for (const [h, k] of known) if (k.name.startsWith('ring ')) { try { await k.tasklet.kill(); } catch { /* ended */ } known.delete(h); }
  });
  dropChannels((x) => x.name.startsWith('ring'));
  ring = null;
  $('#ring').textContent = 'Start a ring on the page\u2019s thread';
  $('#ring').setAttribute('aria-pressed', 'false');
}

// ------------------------------------------------------- seed examples

const SEED = new URL('./demo/seed.js', import.meta.url);

function runSeed(which) { return pageOp(() => runSeedNow(which)); }
async function runSeedNow(which) {
  const card = $(`#seed-${which}`);
  const ours = card.querySelector('.ours');
  const verdict = card.querySelector('.verdict');
  const expected = (await (await fetch(card.dataset.expected)).text()).trimEnd().split('\n');
  ours.textContent = '';
  verdict.textContent = 'running…';
  verdict.className = 'verdict';
  const out = slp.channel();
  const lines = [];
  try {
    const t = await slp.startThread(SEED, card.dataset.fn, out);
    for (;;) {
      const line = await out.receive();
      if (line === null) break;
      lines.push(line);
      ours.textContent = lines.join('\n');
    }
    await t.join();
  } catch (e) {
    lines.push(`(${errText(e)})`);
    ours.textContent = lines.join('\n');
  }
  const ok = lines.join('\n') === expected.join('\n');
  verdict.textContent = ok ? '✓ same lines as the documented output' : '✗ differs from the documented output';
  verdict.className = `verdict ${ok ? 'ok' : 'bad'}`;
  card.dataset.result = ok ? 'match' : 'differ';
  demo.seed = { ...demo.seed, [which]: { ok, lines, expected } };
  return ok;
}

// ------------------------------------------------------------ deadlock

function runDeadlock() {
  const box = $('#deadlock-frame');
  const out = $('#deadlock-result');
  out.textContent = 'running…';
  out.className = 'verdict';
  box.replaceChildren();
  const f = document.createElement('iframe');
  f.title = 'deadlock scenario (its own instance of the runtime)';
  f.src = `deadlock.html?t=${Date.now()}`;
  box.append(f);
  return new Promise((resolve) => {
    const onMsg = (ev) => {
      if (ev.source !== f.contentWindow || ev.data?.kind !== 'deadlock') return;
      removeEventListener('message', onMsg);
      const r = ev.data;
      out.textContent = r.summary;
      out.className = `verdict ${r.ok ? 'ok' : 'bad'}`;
      demo.deadlock = r;
      log(`deadlock scenario: ${r.summary}`, r.ok ? 'info' : 'error');
      resolve(r);
    };
    addEventListener('message', onMsg);
  });
}

// ---------------------------------------------------------------- boot

function wire() {
  $('#add-worker').addEventListener('click', () => addWorker().catch((e) => log(`add worker: ${errText(e)}`, 'error')));
  $('#terminate').addEventListener('click', () => terminateWorker(Number($('#terminate-which').value)));
  $('#pipeline').addEventListener('click', () => startPipeline(Math.max(1, Number($('#pipeline-n').value) | 0)));
  $('#send-job').addEventListener('click', sendJob);
  $('#take-result').addEventListener('click', takeResult);
  $('#spin').addEventListener('click', () => {
    const w = workers.find((x) => String(x.n) === $('#terminate-which').value && x.alive) ?? workers.find((x) => x.alive);
    if (w) pageOp(() => command(w, { op: 'spin', ms: 3000 }));
  });
  $('#kill').addEventListener('click', killSelected);
  $('#revive').addEventListener('click', reviveSelected);
  $('#ring').addEventListener('click', startRing);
  $('#deadlock-run').addEventListener('click', runDeadlock);
  for (const b of document.querySelectorAll('[data-seed-run]'))
    b.addEventListener('click', () => runSeed(b.dataset.seedRun));
  // Keyboard: Delete/k kills the selected tasklet, Escape clears the selection.
  addEventListener('keydown', (e) => {
    if (e.target.closest?.('input, select, textarea')) return;
    if ((e.key === 'Delete' || e.key === 'k') && !$('#kill').disabled) { e.preventDefault(); killSelected(); }
    else if (e.key === 'Escape') { selected = 0; updateSelection(); }
  });
}

async function main() {
  showIsolation();
  wire();
  picture = new Picture({
    lanes: $('#lanes'), chanBody: $('#channels tbody'), counts: $('#counts'),
    onSelect: select,
    onPreference: (ch, p) => {
      try {
        signed(() => { ch.preference = p; }); // (throws when the old value was -1: see introspect.js)
        log(`${chanNames.get(ch.h)}: preference ${p} (runtime now says ${preferenceOf(ch)})`);
      } catch (e) { log(`preference: ${errText(e)}`, 'error'); }
    },
  });
  requestAnimationFrame(frame);
  // The service worker is about to reload the page: wait for it (and go on
  // if it never does).
  if (globalThis.coiStatus === 'reloading') await new Promise((r) => setTimeout(r, 4000));
  try {
    await slp.init(isolated ? await initOptions() : { threads: false });
  } catch (e) {
    $('#runtime').textContent = `could not start the runtime: ${e.message}`;
    $('#runtime').className = 'badge bad';
    if (isolated) log(`init: ${errText(e)}`, 'error');
    document.body.classList.add('no-runtime');
    for (const v of document.querySelectorAll('#seed .verdict')) v.textContent = 'needs cross-origin isolation (workers)';
    demo.initError = errText(e);
    return;
  }
  runtimeUp = true;
  pageThread = slp.thread_id();
  $('#runtime').textContent = slp.hasThreads() ? `runtime ready · page is thread ${pageThread}`
    : `runtime ready, single-thread module (no workers) · page is thread ${pageThread}`;
  $('#runtime').className = 'badge ok';
  const main = slp.getmain();
  know(main, { name: 'main (page)', main: true });
  $('#ring').disabled = false;
  $('#snapshot-note').hidden = hasSnapshot(slp);
  if (!slp.hasThreads()) {
    for (const v of document.querySelectorAll('#seed .verdict, #deadlock .verdict'))
      v.textContent = 'needs workers, hence cross-origin isolation (see above)';
    return;
  }

  // The page may send on its channels at any time (the buttons): it counts
  // as a possible sender, so workers waiting on it are not deadlocked.
  slp.hold();
  registry = slp.channel();
  jobs = slp.channel();
  results = slp.channel();
  addChannel(jobs, 'jobs');
  addChannel(results, 'results');
  for (const b of document.querySelectorAll('.needs-workers')) b.disabled = false;

  await runSeed('threads');
  await runSeed('channels');
  await addWorker();
  await addWorker({ waiters: 1 });
  updateWorkerControls();
}

setupBench({ isolated, log });
demo.api = { addWorker, terminateWorker, startPipeline, sendJob, takeResult, runSeed, runDeadlock, select,
  known, workers, chans, slp };
demo.ready = main().then(() => { demo.isReady = true; }, (e) => {
  log(`startup: ${errText(e)}`, 'error');
  console.error(e);
});
