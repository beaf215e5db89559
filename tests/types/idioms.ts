// idioms.ts -- every idiom the README and js/index.d.ts document, as a user
// writes it in TypeScript: must compile under `tsc --strict --noEmit`
// (tests/types/run.sh).  Never run: only checked.
import stackless, {
  init, hasThreads, tasklet, channel, run, schedule, schedule_remove, getcurrent, getmain,
  getruncount, getthreads, snapshot, thread_id, hold, startThread, startThreadWith, demo,
  Channel, Tasklet, Thread, StacklessError, DeadlockError, ChannelClosedError, TaskletExit,
  type TaskletGenerator, type Op,
  atomic, get_thread_info, set_error_handler, set_schedule_callback, set_channel_callback,
  type RunOptions, sleep, select, TimeoutError, type SelectResult,
} from 'stackless-wasm';

export async function timers(): Promise<void> {
  await init();
  const a = channel<number>(), b = channel<string>();
  tasklet(function* () {
    yield sleep(10);                                   // only this tasklet waits
    const r: Response = yield fetch('https://example.com/'); // a promise: its value
    console.log(r.status);
    const { index, value }: SelectResult = yield select([{ receive: a }, { send: b, value: 'x' }], { timeout: 100 });
    console.log(index, value);
    try {
      const v: number = yield a.receive_timeout(50);
      console.log(v);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    yield b.send_timeout('y', 0);
  })();
  await sleep(5);
  const s: SelectResult = await select([{ receive: a }], { default: true });
  console.log(s.index, await a.receive_timeout(1));
  await run();
}

export async function readme(): Promise<void> {
  // The README's example, as it stands.
  await init();
  const ch = channel();
  tasklet(function* () { const v = yield ch.receive(); console.log('got', v); })();
  tasklet(function* () { yield ch.send('hello'); })();
  await run();
}

export async function typedChannels(): Promise<void> {
  await init({ threads: false });
  const ch = channel<number>();
  // Inside a tasklet: yield the Op; annotate what the yield gives.
  tasklet(function* () {
    const v: number = yield ch.receive();
    yield ch.send(v + 1);
    const w = yield ch.receive();       // any: one type for every yield of a generator
    console.log(w);
    const n: number = yield* ch.send_sequence([1, 2, 3]);
    console.log(n);
    yield ch.send_throw(new Error('stop'));
    yield schedule();
    yield;                              // a bare yield is schedule()
    yield getcurrent().switch();
    yield run();                        // nested run
  })();
  // Tasklets with arguments: setup is the call.
  const t: Tasklet<[Channel<number>, string]> = tasklet(function* (c: Channel<number>, label: string) {
    for (;;) {
      const x: number = yield c.receive();
      console.log(label, x * 2);
    }
  });
  t(ch, 'double');
  // A plain function tasklet runs to its end when it first runs.
  tasklet(() => { console.log('plain'); })();
  // Outside tasklets: await the promise.
  await ch.send(41);
  const n: number = await ch.receive();
  const sent: number = await ch.send_sequence([n, n + 1]);
  console.log(sent);
  for await (const v of ch) { const x: number = v; console.log(x); }
  await run();
}

// A named tasklet function: annotate its generator type.
function* worker(commands: Channel<string>, results: Channel<number>): TaskletGenerator {
  for (;;) {
    const command: string = yield commands.receive();
    if (command === 'QUIT') break;
    yield results.send(command.length);
  }
  yield schedule_remove();
  return 'done';
}

export async function tasklets(): Promise<void> {
  await init();
  const commands = channel<string>(), results = channel<number>();
  const t = tasklet(worker)(commands, results);
  const bound: Tasklet<[Channel<string>, Channel<number>]> = t;
  t.bind(null).bind(worker).setup(commands, results).remove().insert();
  tasklet(function* () {
    yield t.run();
    yield t.kill();
    yield t.kill(true);
    yield t.throw(new Error('x'), false);
  })();
  t.block_trap = true;
  const state: boolean = t.alive && t.paused && t.blocked && t.scheduled && t.is_main &&
    t.is_current && t.restorable;
  const kind: 0 | 1 | 2 = t.blocked_kind;
  const tid: number = t.thread_id;
  t.bind_thread();
  commands.preference = 1;
  commands.schedule_all = true;
  const b: number = commands.balance;
  commands.close();
  commands.open();
  const c: boolean = commands.closing || commands.closed;
  const q: Tasklet | null = commands.queue;
  console.log(bound, state, kind, tid, b, c, q);
  {
    using ch = channel<Uint8Array>();
    await ch.send(new Uint8Array(4));
  }
  t.release();
}

export async function threadsAndModule(): Promise<void> {
  await init({ poolSize: 2, spinMicros: 10, wasmURL: new URL('x.wasm', 'file:///') });
  if (!hasThreads()) return;
  const ch = channel<string>();
  const th: Thread = await startThread(new URL('./worker.mjs', 'file:///'), 'main', ch, 1);
  const th2 = await startThreadWith({ blocking: false }, './worker.mjs');
  const result: unknown = await th.join();
  await th2.terminate({ timeout: 100 });
  console.log(th.id, th.alive, th.result, result);
  const release = hold();
  release();
  const ids: number[] = getthreads();
  console.log(ids, thread_id(), getruncount(), getmain().is_main, snapshot().tasklets[0]?.state);
  demo.echo(ch);
  demo.echoRestorable(ch);
  // The module as one object, with Stackless's attribute names.
  const cur: Tasklet = stackless.current;
  console.log(cur, stackless.runcount, stackless.threads, stackless.main);
  try {
    await ch.receive();
  } catch (e) {
    if (e instanceof DeadlockError || e instanceof ChannelClosedError || e instanceof TaskletExit) {
      console.log(e.code, e.errno);
    } else if (e instanceof StacklessError) {
      console.log(e.message);
    }
  }
}

// An Op is a value to yield, not to inspect; its type is exported.
export function ops(ch: Channel<number>): Op { return ch.send(1); }

// The rest of Stackless's API (issue 12).
export async function stacklessApi(ch: Channel<number>): Promise<void> {
  // Pre-emption: every yield is a tick; the interrupted tasklet, or null.
  const spin = tasklet(function* () { for (;;) yield; })();
  const opts: RunOptions = { timeout: 1000, soft: false, totaltimeout: true };
  const victim: Tasklet | null = await run(opts);
  if (victim) victim.kill();
  spin.kill();
  tasklet(function* () {
    const v: string = yield schedule('retval');       // schedule(retval)
    const t: Tasklet | null = yield run({ timeout: 10 });
    const r: number = yield* atomic(function* () { yield schedule(); return 1; });
    const n: number = yield* ch.each(function* (x: number) { yield ch.send(x); });
    yield getcurrent().raise_exception(RangeError, 'bad');
    yield ch.send_exception(TypeError, 'no');
    console.log(v, t, r, n);
  })();
  const same: number = schedule(5);
  const k: number = await ch.each((x) => { console.log(x); });
  const inside: boolean = atomic(() => getcurrent().atomic);
  const old: boolean = getmain().set_atomic(true);
  const [main, current, runcount] = get_thread_info();
  const next: Tasklet | null = main.next, prev: Tasklet | null = main.prev;
  const level: 0 | 1 = main.nesting_level;
  set_error_handler((e, t) => { console.log(e, t.alive); });
  set_schedule_callback((from, to) => { console.log(from?.is_main, to.is_main); });
  set_channel_callback((c, t, sending, willblock) => { console.log(c.balance, t, sending, willblock); });
  set_schedule_callback(null);
  console.log(same, k, inside, old, current, runcount, next, prev, level);
}
