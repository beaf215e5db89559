// introspect.js -- the runtime's state, as the live picture draws it.
//
// The source of truth is the runtime itself.  With the package's
// snapshot() (slp_snapshot: every tasklet of every thread, copied under the
// runtime's lock without stopping any scheduler) the picture shows all
// tasklets, those the demo never heard of included.  Until the package has
// it, the same fields come from the per-handle queries the package already
// has (thread_id, alive, blocked, scheduled, is_current), for the tasklets
// the demo knows (each worker sends its tasklets to the page).
//
// One picture, either way:
//   { source: 'snapshot' | 'queries',
//     threads: [{ id, alive }],
//     tasklets: [{ handle, thread, state, channel }] }
// with state one of STATES and channel the handle of the channel a blocked
// tasklet waits on (0 when not blocked or not known).

export const STATES = ['running', 'runnable', 'blocked_send', 'blocked_recv', 'paused', 'nothread', 'dead', 'waiting'];

// SLP_STATE_* of include/stackless.h (1-based) -> name.
const BY_CODE = [null, ...STATES];
// Names the package might use for the same states.
const ALIASES = {
  blocked_receive: 'blocked_recv', blocked_receiving: 'blocked_recv', receiving: 'blocked_recv',
  blocked_sending: 'blocked_send', sending: 'blocked_send', no_thread: 'nothread',
  'no-thread': 'nothread', 'blocked-send': 'blocked_send', 'blocked-recv': 'blocked_recv',
};

export function stateName(s) {
  if (typeof s === 'number') return BY_CODE[s] ?? 'dead';
  const k = String(s).toLowerCase();
  return STATES.includes(k) ? k : ALIASES[k] ?? 'dead';
}

export function hasSnapshot(slp) { return typeof slp.snapshot === 'function'; }

// slp: the package's module.  known: Map handle -> { tasklet, recv, send }
// (the tasklets the page holds wrappers for, and the channels they use).
export function takeSnapshot(slp, known) {
  if (hasSnapshot(slp)) return fromPackage(slp.snapshot());
  return fromQueries(slp, known);
}

function fromPackage(s) {
  const list = Array.isArray(s) ? s : s.tasklets ?? [];
  const tasklets = list.map((t) => ({
    handle: t.handle ?? t.h ?? t.id,
    thread: t.thread_id ?? t.threadId ?? t.thread ?? -1,
    state: stateName(t.state),
    channel: (typeof t.channel === 'object' && t.channel ? t.channel.h : t.channel) ?? 0,
  }));
  const threads = (Array.isArray(s) ? null : s.threads)?.map((x) =>
    typeof x === 'number' ? { id: x, alive: true } : { id: x.id ?? x.thread_id, alive: x.alive ?? true });
  return { source: 'snapshot', threads: threads ?? null, tasklets };
}

function fromQueries(slp, known) {
  const tasklets = [];
  for (const [handle, k] of known) {
    const t = k.tasklet;
    // Each query takes the runtime's lock (on the page's thread a lock that
    // spins): ask only what decides the state.
    let thread, state, blocked = 0;
    try {
      thread = t.thread_id;
      blocked = t.blocked ? blockedKind(t, k) : 0;
      // Once ended, always dead (an ended tasklet's thread_id says -1 too).
      if (k.lastState === 'dead' || k.ended) state = 'dead';
      else if (thread === -1) state = 'nothread';
      else if (blocked === 1) state = 'blocked_recv';
      else if (blocked === 2) state = 'blocked_send';
      else if (t.scheduled) state = t.is_current ? 'running' : 'runnable';
      else state = t.alive ? (t.is_current ? 'running' : 'paused') : 'dead';
      k.lastState = state;
    } catch {
      continue; // released handle: gone
    }
    const channel = state === 'blocked_recv' ? k.recv?.h ?? 0
      : state === 'blocked_send' ? k.send?.h ?? 0
      : state === 'nothread' ? (k.recv?.h ?? k.send?.h ?? 0) : 0;
    tasklets.push({ handle, thread, state, channel });
  }
  let threads = null;
  try { threads = slp.getthreads().map((id) => ({ id, alive: true })); } catch { /* not ready */ }
  return { source: 'queries', threads, tasklets };
}

// The package's wrapper says blocked or not (t.blocked); which way comes
// from the runtime where the package exposes it (t.blocked_kind, 1 receive,
// 2 send: slp_tasklet_blocked), else from the channels' balances.
function blockedKind(t, k) {
  if (typeof t.blocked_kind === 'number') return t.blocked_kind;
  if (k.send && !k.recv) return 2;
  if (k.recv && !k.send) return 1;
  if (k.send === k.recv) return balanceOr0(k.send) > 0 ? 2 : 1;
  // First in a channel's queue: that is where it waits.
  const first = (ch) => { try { return ch.queue?.h ?? 0; } catch { return 0; } };
  if (first(k.send) === t.h) return 2;
  if (first(k.recv) === t.h) return 1;
  return balanceOr0(k.send) > 0 && balanceOr0(k.recv) >= 0 ? 2 : 1;
}
function balanceOr0(ch) { try { return ch ? balanceOf(ch) : 0; } catch { return 0; } }

// A channel's balance or preference.  This version of the package throws
// for negative values (its getters treat them as error codes: see the
// report); the value is then the error's code.
export function signed(get) {
  try {
    return get();
  } catch (e) {
    if (typeof e?.code === 'number' && e.code < 0 && e.code > -1000) return e.code;
    throw e;
  }
}
export const balanceOf = (ch) => signed(() => ch.balance);
export const preferenceOf = (ch) => signed(() => ch.preference);

export function countByState(tasklets) {
  const c = Object.fromEntries(STATES.map((s) => [s, 0]));
  for (const t of tasklets) c[t.state]++;
  return c;
}
