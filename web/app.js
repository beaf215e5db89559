// app.js -- the demo page.  It imports the package as a user would
// ('stackless-wasm', mapped to the repository's js/index.js by the page's
// import map: the files the package ships, not a copy).
//
// The page's thread is one scheduler among others: it never blocks (the
// package awaits instead of sleeping there), so the picture keeps its frame
// rate while the workers pass messages.
//
// The page is a guided tour (tour.js) beside the live picture (picture.js,
// with messages drawn between the lanes by flow.js).
import * as slp from 'stackless-wasm';
import { takeSnapshot, hasSnapshot, countByState, STATES, balanceOf, preferenceOf, signed } from './introspect.js';
import { Picture, shortId } from './picture.js';
import { Flow } from './flow.js';
import { Tour } from './tour.js';
import { setupBench } from './bench.js';
import { initOptions } from './coi-worker.js';

const $ = (s) => document.querySelector(s);
const isolated = globalThis.crossOriginIsolated === true;
const demo = (globalThis.demo = { ready: null, errors: [], log: [], flows: [], stalls: [] });

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
  known.set(t.h, { tasklet: t, ...info, recv: info.recv ?? null, send: info.send ?? null });
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
const rate = [];       // [time, messages] posted by workers
let totalMessages = 0;

// Frames (Long Animation Frames: those of 50 ms or more) whose scripts ran
// 50 ms or more, from the end of start-up (compiling the runtime is not the
// tour's work): demo.stalls, for diagnosis.  Not shown: script time is
// measured by the clock, and on a busy machine the OS stretches it (a 12 ms
// frame callback was seen as 146 ms), which would read as the page's fault.
// tests/browser/demo.test.mjs checks them against the thread's CPU time.
const STALL_MS = 50;
function scriptTime(e) { return (e.scripts ?? []).reduce((s, x) => s + x.duration, 0); }
let stallsFrom = Infinity;
if (typeof PerformanceObserver === 'function' &&
    PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame')) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.startTime < stallsFrom) continue;
      const script = scriptTime(e);
      if (script >= STALL_MS) demo.stalls.push({ start: Math.round(e.startTime), duration: e.duration, script,
        blocking: e.blockingDuration, scripts: e.scripts.map((x) => `${x.invoker} ${x.duration.toFixed(0)} ms`) });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
}

const stats = new BroadcastChannel('stackless-demo-stats');
const pipelineWaits = new Map(); // run -> resolve
// Workers count what they receive, per channel (and the last receiver):
// each message counted once, by its receiver.
stats.onmessage = ({ data }) => {
  if (data.error) { log(`worker (thread ${data.thread}): ${data.error}`, 'error'); return; }
  if (data.pipeline) { pipelineWaits.get(data.pipeline.run)?.(data.pipeline); return; }
  let n = 0;
  for (const [h, c] of Object.entries(data.counts ?? {})) {
    const ch = Number(h);
    const f = flow.get(ch) ?? { total: 0 };
    f.total += c;
    flow.set(ch, f);
    n += c;
    const from = senderOf(ch);
    if (from) drawFlow(from, { thread: data.thread, handle: data.who?.[h] ?? receiverOn(ch, data.thread) }, ch, c);
  }
  totalMessages += n;
  rate.push([performance.now(), n]);
};

function figures(now) {
  frames.push(now);
  while (frames.length && now - frames[0] > 1000) frames.shift();
  while (rate.length && now - rate[0][0] > 1000) rate.shift();
  const mps = rate.reduce((s, [, n]) => s + n, 0);
  $('#fps').textContent = `${frames.length} fps`;
  $('#mps').textContent = `${mps.toLocaleString('en')} msg/s`;
  demo.fps = frames.length;
  demo.messagesPerSecond = mps;
  demo.totalMessages = totalMessages;
}

// ------------------------------------------------------- message flow

let flowView = null;
const PAGE = () => ({ thread: pageThread, handle: pageMain });
let pageMain = 0;

// n messages on channel ch (a handle) from -> to ({ thread, handle }).
function drawFlow(from, to, ch, n = 1) {
  const label = chanNames.get(ch) ?? `channel ${shortId(ch)}`;
  demo.flows.push({ from: from.thread, to: to.thread, channel: label, n });
  if (demo.flows.length > 200) demo.flows.splice(0, 100);
  flowView?.add(from, to, label, n);
}
// Who sends on ch, as the page knows it: the page itself for its own
// channels, else the one tasklet registered as its sender.
function senderOf(ch) {
  if (ch === jobs?.h) return PAGE();
  for (const [h, k] of known) {
    if (k.send?.h === ch && !k.ended) {
      const th = demo.lastSnapshot?.tasklets.find((t) => t.handle === h)?.thread ?? k.thread;
      return { thread: th, handle: h };
    }
  }
  return null;
}
function receiverOn(ch, thread) {
  for (const [h, k] of known) if (k.recv?.h === ch && k.thread === thread && !k.ended) return h;
  return 0;
}

// --------------------------------------------------------- the picture

function frame(now) {
  try {
    // The arcs first: they read where the chips are, from the layout the
    // browser made for the last frame (after this frame's changes a read
    // would force a layout of the whole page inside the script).
    if (runtimeUp) flowView.frame(now);
    figures(now);
    tour?.update();
    if (picture && runtimeUp) {
      const snap = takeSnapshot(slp, known);
      for (const t of snap.tasklets) if (!names.has(t.handle) && t.state !== 'dead') names.set(t.handle, { name: 'tasklet' });
      demo.lastSnapshot = snap;
      picture.selected = selected;
      picture.render(snap, { threads: threadList(), names, channels: chans, chanNames, flow, direction });
      $('#source').textContent = snap.source === 'snapshot'
        ? 'drawn from the runtime\u2019s snapshot() at every frame'
        : 'drawn from the runtime\u2019s per-tasklet queries at every frame (the package has no snapshot() yet)';
      updateSelection();
      updateOrphans(snap);
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
// The chips drawn in the lanes, per state (ended tasklets are not drawn).
demo.chipCounts = () => Object.fromEntries(STATES.map((s) =>
  [s, document.querySelectorAll(`#lanes .tk[data-state="${s}"]`).length]));
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
  $('#revive').disabled = !k || state !== 'nothread' || !workers.some((w) => w.alive);
  $('#selected').dataset.state = state;
  const why = !selected ? '' : !k ? 'the page holds no handle to it'
    : k.main ? 'a main tasklet ends with its thread: terminate the worker instead'
    : state === 'nothread' ? (k.c ? 'it has no thread: kill it, or revive it on a live worker'
      : 'it has no thread; a JS tasklet cannot be revived (its generator lived in the dead worker): kill it')
    : state === 'dead' ? 'it has ended' : 'only a tasklet without a thread can be revived';
  if ($('#selected-why').textContent !== why) $('#selected-why').textContent = why;
  $('#select-hint').classList.toggle('done', !!selected);
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

// Which way a tasklet without a thread waits on channel ch (the snapshot
// says blocked only for tasklets with a thread): -1 receiving, +1 sending.
function direction(h, ch) {
  const k = known.get(h);
  if (!k) return 0;
  if (k.recv?.h === ch && k.send?.h !== ch) return -1;
  if (k.send?.h === ch && k.recv?.h !== ch) return 1;
  return k.recv?.h === ch ? -1 : 0; // an echo waits to receive between answers
}

// Tasklets whose thread died, which the page knows (live, thread_id -1).
function orphans(snap = demo.lastSnapshot) {
  if (!snap) return [];
  const out = [];
  for (const t of snap.tasklets) {
    if (t.state !== 'nothread') continue;
    const k = known.get(t.handle);
    if (k && !k.ended) out.push({ ...k, handle: t.handle, channel: t.channel });
  }
  return out;
}

function killOrphans(pred = () => true) {
  return pageOp(async () => {
    for (const o of orphans().filter(pred)) {
      try {
        await o.tasklet.kill();
        known.get(o.handle).ended = true;
        log(`killed ${o.name} ${shortId(o.handle)} (it had no thread)`);
      } catch (e) { log(`kill ${o.name} ${shortId(o.handle)}: ${errText(e)}`, 'error'); }
    }
    $('#job-note').hidden = true;
  });
}

function reviveEcho(to) {
  return pageOp(async () => {
    const k = orphans().find((o) => o.c);
    if (k && to?.alive) await revive(k, to);
  });
}

// Under the picture, while some tasklets have no thread: what they block
// and what can be done with them.
let orphansKey = '';
function updateOrphans(snap) {
  const list = orphans(snap);
  const live = workers.filter((w) => w.alive);
  const key = list.map((o) => o.handle).join(',') + '|' + live.map((w) => w.n).join(',');
  if (key === orphansKey) return;
  orphansKey = key;
  const box = $('#orphans');
  box.hidden = !list.length;
  if (!list.length) { box.replaceChildren(); $('#job-note').hidden = true; return; }
  const byChannel = new Map();
  for (const o of list) {
    const name = chanNames.get(o.channel) ?? (o.channel ? `channel ${shortId(o.channel)}` : '');
    if (name) byChannel.set(name, (byChannel.get(name) ?? 0) + 1);
  }
  const blocked = [...byChannel].map(([n, c]) => `${c} on ${n}`).join(', ');
  const p = document.createElement('p');
  p.innerHTML = `<strong>${list.length} tasklet${list.length > 1 ? 's have' : ' has'} no thread</strong> ` +
    `(their worker was terminated). They still wait in their channels (${blocked}): a message sent there ` +
    'fails while one of them is first in the queue. Kill them, or revive one on a live worker:';
  const ul = document.createElement('ul');
  for (const o of list) {
    const li = document.createElement('li');
    li.dataset.handle = String(o.handle);
    const name = document.createElement('span');
    name.textContent = `${o.name} ${shortId(o.handle)}`;
    const kill = document.createElement('button');
    kill.type = 'button';
    kill.textContent = 'Kill';
    kill.className = 'kill-orphan';
    kill.addEventListener('click', () => killOrphans((x) => x.handle === o.handle));
    li.append(name, ' ', kill);
    if (o.c) {
      for (const w of live) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'revive-orphan';
        b.textContent = `Revive on ${w.label}`;
        b.addEventListener('click', () => pageOp(async () => {
          const k = orphans().find((x) => x.handle === o.handle);
          if (k) await revive(k, w);
        }));
        li.append(' ', b);
      }
    } else {
      const why = document.createElement('span');
      why.className = 'hint';
      why.textContent = ' a JS tasklet cannot move: its generator lived in the dead worker';
      li.append(why);
    }
    ul.append(li);
  }
  const all = document.createElement('button');
  all.type = 'button';
  all.id = 'kill-orphans';
  all.textContent = list.length > 1 ? `Kill all ${list.length}` : 'Kill it';
  all.addEventListener('click', () => killOrphans());
  box.replaceChildren(p, ul, all);
}

// Revive a tasklet of a dead thread on a live worker (bind_thread).  The
// runtime moves tasklets without C state ("soft"); a JS tasklet's generator
// lives in the worker that made it, so the package refuses to move it.
function reviveSelected() { return pageOp(reviveSelectedNow); }
async function reviveSelectedNow() {
  const k = known.get(selected);
  const to = workers.find((w) => w.alive && String(w.n) === $('#revive-to').value);
  if (!k || !to) { log('revive: choose a tasklet of a dead thread and a live worker', 'error'); return; }
  await revive(k, to);
}
async function revive(k, to) {
  const t = k.tasklet;
  try {
    if (!t.restorable) throw new Error(k.c ? 'it has C state on its stack (SLP_ECSTATE): it cannot leave its thread'
      : 'it is a JS tasklet: its generator lived in the terminated worker');
    t.bind_thread(to.id);
    log(`${k.name} ${shortId(t.h)} bound to ${to.label} (thread ${t.thread_id})`);
    k.thread = to.id;
    if (k.c && k.recv) { // an echo: it answers on its new thread, and waits there for more
      await k.recv.send('ping');
      drawFlow(PAGE(), { thread: to.id, handle: t.h }, k.recv.h);
      const v = await k.recv.receive();
      drawFlow({ thread: to.id, handle: t.h }, PAGE(), k.recv.h);
      log(`${k.name} ${shortId(t.h)} answered "${v}" on thread ${t.thread_id}: it lives on ${to.label} now`);
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
    const note = $('#job-note');
    // Stackless sends to the first receiver in the queue; one with no
    // thread can never take it (DeadTaskletError): say so, do not fail.
    const head = balanceOf(jobs) < 0 ? jobs.queue?.h : 0;
    const stuck = orphans().filter((o) => o.channel === jobs.h);
    if (head && stuck.some((o) => o.handle === head)) {
      const first = stuck.find((o) => o.handle === head);
      const name = `${first.name} ${shortId(head)}`;
      const more = stuck.length > 1 ? ` (and ${stuck.length - 1} more without a thread behind it)` : '';
      note.textContent = `Not sent: the first receiver on jobs is ${name}${more}, which has no thread since its worker ` +
        'was terminated. A send goes to the first receiver, and would fail (DeadTaskletError: tasklet has no thread). ' +
        'Kill or revive the tasklets listed above, then send again.';
      note.hidden = false;
      log(`job not sent: ${name}, first on jobs, has no thread`);
      demo.jobBlocked = { at: performance.now(), head, tasklets: stuck.map((o) => o.handle) };
      return false;
    }
    note.hidden = true;
    if (balanceOf(jobs) >= 0) {
      note.textContent = 'Not sent: no waiter is receiving on jobs now' +
        (balanceOf(results) > 0 ? ' (each is blocked sending its result: take a result first).' : '.');
      note.hidden = false;
      log('no waiter is receiving on jobs now: nothing sent');
      return false;
    }
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
    if (balanceOf(results) <= 0) {
      $('#job-note').textContent = 'Nothing to take: no waiter is sending on results now. Send a job first.';
      $('#job-note').hidden = false;
      log('no tasklet is sending on results now: send a job first');
      return null;
    }
    try {
      const r = await results.receive();
      $('#job-note').hidden = true;
      drawFlow({ thread: r.thread, handle: r.from }, PAGE(), results.h);
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

// ----------------------------------------------------------- timers

// Tasklets that sleep with different periods for `ms`: three on the page's
// thread, whose event loop meanwhile waits in a setTimeout to the nearest
// deadline (never blocked: the page keeps drawing), and one on each worker,
// whose scheduler sleeps in C until its deadline.  Each wakes, counts a
// tick, and sleeps again.  demo.timers: the page's ticks, in wake order.
let timers = null;
function startTimers(ms = 6000) {
  if (timers) return null;
  const t0 = performance.now();
  timers = demo.timers = { ticks: {}, order: [], running: true };
  const mine = timers;
  function* sleeper(name, period) {
    while (performance.now() - t0 < ms) {
      yield slp.sleep(period);
      mine.ticks[name] = (mine.ticks[name] ?? 0) + 1;
      mine.order.push(name);
    }
  }
  const page = [400, 700, 1000].map((p) => {
    const name = `sleeper ${p} ms`;
    const t = slp.tasklet(sleeper)(name, p);
    know(t, { name });
    return t;
  });
  log(`timers: sleepers every 400, 700 and 1000 ms on the page's thread, every 600 ms on each worker, for ${ms / 1000} s`);
  const all = [slp.run()]; // (returns once nothing here is left to run, ring included)
  for (const w of workers) if (w.alive) all.push(pageOp(() => command(w, { op: 'sleepers', periods: [600], ms })));
  // Done when the page's sleepers are (the workers' end with them).
  const ended = new Promise((k) => {
    const look = () => (page.some((t) => t.alive) ? setTimeout(look, 100) : k());
    look();
  });
  return Promise.all([ended, ...all.slice(1)]).catch((e) => log(`timers: ${errText(e)}`, 'error')).finally(() => {
    mine.running = false;
    if (timers === mine) timers = null;
    for (const t of page) known.delete(t.h);
  });
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
  $('#spin').addEventListener('click', () => busy(workers.find((x) => String(x.n) === $('#terminate-which').value && x.alive)));
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

// Two tasklets on worker w (or the first live one) take turns for 3 s.
function busy(w) {
  w = w?.alive ? w : workers.find((x) => x.alive);
  if (!w) return null;
  log(`${w.label}: two tasklets take turns with schedule() for 3 s`);
  return pageOp(() => command(w, { op: 'spin', ms: 3000 }));
}

let tour = null;
let seedsDone = false;
function setupTour() {
  const ctx = {
    ready: () => runtimeUp && slp.hasThreads() && seedsDone && workers.length >= 2,
    readyWhy: () => (!runtimeUp ? 'starting the runtime…' : !slp.hasThreads()
      ? 'needs workers, hence cross-origin isolation (see above)' : 'starting the workers…'),
    worker: (n) => workers.find((w) => w.n === n),
    count: (pred) => (demo.lastSnapshot?.tasklets ?? []).filter(pred).length,
    // As the picture counted it (asking the runtime takes its lock).
    balance: (name) => Number([...document.querySelectorAll('#channels tr[data-channel]')]
      .find((tr) => tr.querySelector('th').textContent === name)?.dataset.balance ?? 0),
    busy, sendJob, takeResult,
    timers: () => startTimers(),
    timersText: () => {
      const tm = demo.timers;
      if (!tm) return '';
      const n = (demo.lastSnapshot?.tasklets ?? []).filter((t) => t.state === 'waiting').length;
      const ticks = Object.entries(tm.ticks).map(([k, v]) => `${k.replace('sleeper ', '')} ×${v}`).join(', ');
      return `${tm.running ? `${n} tasklet${n === 1 ? '' : 's'} waiting for a timer` : 'the sleepers are done'}` +
        `${ticks ? `; the page's sleepers woke: ${ticks}` : ''}`;
    },
    timersRunning: () => !!timers,
    pipeline: (n) => startPipeline(n),
    pipelineRunning: () => pipelineRunning,
    pipelineText: () => $('#pipeline-result').textContent,
    terminate: (n) => terminateWorker(n),
    orphans: () => orphans(),
    killOrphans, reviveEcho,
    embed: (which) => {
      const sec = $(`#${which}`);
      sec.hidden = false;
      sec.querySelector('h2')?.remove();
      sec.removeAttribute('aria-labelledby');
      return sec;
    },
    seedVerdict: (which) => {
      const r = demo.seed?.[which];
      if (runtimeUp && !slp.hasThreads()) return { text: 'The seed\u2019s own example needs workers, hence cross-origin isolation.', cls: 'bad' };
      return !r ? { text: 'The seed\u2019s own example is running in two workers…', cls: '' }
        : r.ok ? { text: '\u2713 The seed\u2019s own example ran in two workers: the same lines as documented.', cls: 'ok' }
          : { text: '\u2717 The seed\u2019s own example printed other lines than documented.', cls: 'bad' };
    },
    jobBlocked: () => !$('#job-note').hidden && !!demo.jobBlocked && orphans().some((o) => o.channel === jobs?.h),
    onStep: (id) => { demo.step = id; },
    // At once, not smoothly: the step's effect is being drawn now.
    reveal: () => $('#counts').scrollIntoView({ block: 'start', behavior: 'instant' }),
  };
  tour = new Tour({ list: $('#tour .steps'), body: $('#step-body'), prev: $('#prev'), next: $('#next'), of: $('#step-of') }, ctx);
  demo.tour = tour;
}

async function main() {
  showIsolation();
  wire();
  setupTour();
  picture = new Picture({
    lanes: $('#lanes'), chanBody: $('#channels tbody'), counts: $('#counts'),
    onSelect: select,
    onPreference: (ch, p) => {
      try {
        signed(() => { ch.preference = p; }); // (throws when the old value was -1: see introspect.js)
        picture.refreshPreference(ch);
        log(`${chanNames.get(ch.h)}: preference ${p} (runtime now says ${preferenceOf(ch)})`);
      } catch (e) { log(`preference: ${errText(e)}`, 'error'); }
    },
  });
  flowView = new Flow({ root: $('#flow'), wrap: $('#lanes-wrap'), anchor: (th, h) => picture.anchor(th, h) });
  demo.flowView = flowView;
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
  pageMain = main.h;
  know(main, { name: 'main (page)', main: true, thread: pageThread });
  $('#ring').disabled = false;
  $('#snapshot-note').hidden = hasSnapshot(slp);
  if (!slp.hasThreads()) {
    stallsFrom = performance.now();
    // No workers: the tour cannot run; what can (a ring of tasklets on the
    // page's own thread) is in All controls.
    $('.more-controls').open = true;
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
  seedsDone = true;
  // The tour begins: from here the page's own work is measured.
  stallsFrom = demo.stallsFrom = performance.now();
  tour.update(true);
}

setupBench({ isolated, log });
demo.api = { addWorker, terminateWorker, startPipeline, sendJob, takeResult, runSeed, runDeadlock, select, startTimers,
  killOrphans, reviveEcho, busy, orphans: () => orphans(), known, workers, chans, slp };
demo.ready = main().then(() => { demo.isReady = true; }, (e) => {
  log(`startup: ${errText(e)}`, 'error');
  console.error(e);
});
