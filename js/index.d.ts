// stackless-wasm: Stackless Python's tasklets, channels and per-thread
// schedulers for JavaScript.  See js/index.js for the model.
//
// A call that may block or switch means one thing inside a tasklet (a
// generator function run by the scheduler) and another outside, and the
// types say both:
//   inside a tasklet   it returns an Op: yield it.  The tasklet's generator
//                      yields only Ops (or nothing: a bare `yield` is
//                      schedule()), so `yield 42` is an error;
//                        const v = yield ch.receive();
//                        const n = yield* ch.send_sequence([1, 2, 3]);
//   outside (main code) channel calls and run() return promises: await them;
//                        const n: number = await ch.receive();
// A tasklet may also yield a promise (any thenable): only that tasklet
// waits for it, and the yield gives its value or throws its rejection:
//                        const r = yield fetch(url);
// A channel is generic in its value type: channel<number>() sends and
// receives numbers.  (TypeScript gives every `yield` of one generator the
// same result type, so `yield ch.receive()` is `any`: annotate it,
// `const v: number = yield ch.receive()`.)

/** Options of init(). */
export interface InitOptions {
  /** true: the threaded module (needs SharedArrayBuffer: in a browser, a
   * cross-origin isolated page); false: the single-thread module (one
   * scheduler, no startThread(); runs on any page).  Default: threaded
   * where SharedArrayBuffer is available, else single-thread. */
  threads?: boolean;
  /** The module's bytes (skips reading or fetching stackless.wasm). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where stackless.wasm (or stackless-st.wasm) is (default: next to index.js, in dist/). */
  wasmURL?: string | URL;
  /** Where Emscripten's pthread worker script stackless.worker.js is. */
  workerURL?: string | URL;
  /** Where the Emscripten glue stackless.js (or stackless-st.js) is. */
  glueURL?: string | URL;
  /** Workers made in advance for threads (default 0: made on demand). */
  poolSize?: number;
  /** How long a waiting thread polls before it awaits (default 50). */
  spinMicros?: number;
}

/** Load the module (once; later calls return the same promise).  Threads
 * in a browser need a cross-origin isolated page (COOP/COEP headers);
 * elsewhere init() loads the single-thread module. */
export function init(options?: InitOptions): Promise<void>;

/** Whether the loaded module has threads (startThread() works). */
export function hasThreads(): boolean;

/** What a blocking call returns inside a tasklet: yield it. */
export class Op {
  private constructor();
  readonly code: number;
}

/** A blocking call's result: inside a tasklet an Op to yield, outside a
 * promise of T to await.  (One value is never both: which one depends on
 * where the call is made, which types cannot see.) */
export type Blocking<T> = Op & PromiseLike<T>;

/** A promise or any thenable a tasklet may yield (`const v = yield p`): the
 * tasklet alone waits until it settles; the yield gives its value or throws
 * its rejection.  (Not a generator such as send_sequence(): delegate to
 * those with yield*.) */
export type Awaitable = PromiseLike<unknown> & { next?: never };

/** What a tasklet may yield: an Op, a promise, or nothing (`yield` alone is schedule()). */
export type TaskletYield = Op | Awaitable | undefined;

/** The generator a tasklet's function returns: annotate a named tasklet
 * function with it (`function* f(ch: Channel<number>): TaskletGenerator`).
 * Its yields resume with the operation's result (any: TypeScript has one
 * type for every yield of a generator); R is what it returns. */
export type TaskletGenerator<R = any> = Generator<TaskletYield, R, any>;

/** What a plain (non-generator) tasklet function may return. */
export type TaskletPlainResult = void | undefined | string | number | boolean | bigint | null;

/** A tasklet's function: a generator function, or a plain function that runs
 * to its end when the tasklet first runs.  (tasklet() and bind() take either
 * through two overloads, so that a generator function gets its yields
 * checked: one that yields anything but an Op is refused.) */
export type TaskletFunction<A extends unknown[] = any[]> =
  ((...args: A) => TaskletGenerator<unknown>) | ((...args: A) => TaskletPlainResult);

/** A tasklet.  Calling it schedules it with those arguments (setup). */
export interface Tasklet<A extends unknown[] = unknown[]> {
  (...args: A): Tasklet<A>;
}
export class Tasklet<A extends unknown[] = unknown[]> {
  private constructor();
  /** Bind to fn (not alive until setup); null unbinds. */
  bind(fn: (...args: A) => TaskletGenerator<unknown>): this;
  bind(fn: ((...args: A) => TaskletPlainResult) | null): this;
  /** Make it alive and append it to its thread's run queue. */
  setup(...args: A): this;
  /** Append to its thread's run queue (paused -> scheduled). */
  insert(): this;
  /** Leave the run queue (scheduled -> paused). */
  remove(): this;
  /** Switch to it now, the caller staying queued.  Inside a tasklet: yield it. */
  run(): Op | undefined;
  /** Switch to it now, the caller paused.  Inside a tasklet: yield it. */
  switch(): Op | undefined;
  /** Raise TaskletExit in it.  Inside a tasklet: yield it. */
  kill(pending?: boolean): Op | undefined;
  /** Raise exc in it.  Inside a tasklet: yield it. */
  throw(exc: unknown, pending?: boolean): Op | undefined;
  /** Raise new exc_class(...args) in it (Stackless's raise_exception).  Inside a tasklet: yield it. */
  raise_exception<C extends new (...args: any[]) => unknown>(exc_class: C, ...args: ConstructorParameters<C>): Op | undefined;
  /** Attach to another thread (default: the caller's).  A JS tasklet stays
   * in the thread whose JS holds its function (WrongThreadError otherwise;
   * setup() from another thread queues it there, its arguments copied).
   * threadId: an int32 thread id or -1, else WrongThreadError "bad thread". */
  bind_thread(threadId?: number): this;
  /** Its neighbours in its run queue (a ring through main) or channel queue; null in neither. */
  readonly next: Tasklet | null;
  readonly prev: Tasklet | null;
  /** While true it is not pre-empted by run({ timeout }). */
  atomic: boolean;
  /** Set atomic; gives the old flag. */
  set_atomic(on: boolean): boolean;
  /** 1 if it has C state (a JS tasklet inside a nested run()), else 0. */
  readonly nesting_level: 0 | 1;
  readonly alive: boolean;
  readonly paused: boolean;
  readonly blocked: boolean;
  /** 0 not blocked, 1 blocked receiving, 2 blocked sending (slp_tasklet_blocked). */
  readonly blocked_kind: 0 | 1 | 2;
  readonly scheduled: boolean;
  /** Parked until a time, a promise or a select's partner (sleep(), `yield
   * promise`, select()): alive and scheduled, not blocked; it runs again by itself. */
  readonly waiting: boolean;
  readonly is_main: boolean;
  readonly is_current: boolean;
  readonly restorable: boolean;
  /** While true, a channel action of it that would block throws
   * StacklessError (errno SLP_EBLOCKTRAP); one that finds a partner works. */
  block_trap: boolean;
  /** Its thread's id; -1 once that thread died. */
  readonly thread_id: number;
  /** Stackless's tempval, the transfer slot: the value it sends while
   * blocked sending, what a partner delivered to it before it runs, the
   * retval of its schedule(retval) until it resumes (set it to change what
   * that call gives back).  A received value is taken out when it resumes
   * (Stackless's claim); numbers, booleans, null and undefined stay there,
   * as in C.  Values go in copied as across threads.  An object value is
   * read only in the tasklet's own thread, of a JS tasklet or main (a C
   * tasklet's slot holds C pointers: TypeError), and not while it is blocked
   * sending; it is set only there and while it is not blocked (else
   * WrongThreadError, TypeError or StacklessError). */
  tempval: unknown;
  /** Drop this wrapper's reference (queued or blocked tasklets live on). */
  release(): void;
  [Symbol.dispose](): void;
}

/** A tasklet bound to fn; call it with fn's arguments to schedule it.  fn is a
 * generator function (or a plain one); async functions and async generator
 * functions are refused with a TypeError (their awaits would escape the
 * scheduler). */
export function tasklet<A extends unknown[]>(fn: (...args: A) => TaskletGenerator<unknown>): Tasklet<A>;
export function tasklet<A extends unknown[]>(fn: (...args: A) => TaskletPlainResult): Tasklet<A>;
/** An unbound tasklet: bind() it. */
export function tasklet(): Tasklet<any[]>;

/** A Stackless channel: values are handed over, the first side blocks. */
export class Channel<T = unknown> {
  private constructor();
  /** Inside a tasklet: `yield ch.send(v)`; outside: `await ch.send(v)`. */
  send(value: T): Blocking<void>;
  /** Send an error: the receiver's receive() throws it. */
  send_throw(error: unknown): Blocking<void>;
  /** Inside a tasklet: `const v = yield ch.receive()`; outside: `await ch.receive()`. */
  receive(): Blocking<T>;
  /** receive(), giving up after ms milliseconds with TimeoutError (nothing
   * received; 0: only if a sender waits now).  A waiter meanwhile: never deadlocked. */
  receive_timeout(ms: number): Blocking<T>;
  /** send(value), giving up after ms milliseconds with TimeoutError (nothing sent). */
  send_timeout(value: T, ms: number): Blocking<void>;
  /** Send each value in order; the count sent.  Inside a tasklet:
   * `const n = yield* ch.send_sequence(seq)` (a generator: delegate to it);
   * outside: `await ch.send_sequence(seq)`. */
  send_sequence(seq: Iterable<T>): Generator<Op, number, unknown> & PromiseLike<number>;
  /** Send new exc_class(...args) as an error (Stackless's send_exception). */
  send_exception<C extends new (...args: any[]) => unknown>(exc_class: C, ...args: ConstructorParameters<C>): Blocking<void>;
  /** Receive until the channel is closing with no sender waiting, calling
   * body(v) for each value; the count received.  Inside a tasklet:
   * `const n = yield* ch.each(function* (v) { ... })` (body may yield too);
   * outside: `await ch.each((v) => ...)`. */
  each(body: (value: T) => TaskletGenerator<unknown> | void): Generator<TaskletYield, number, any> & PromiseLike<number>;
  /** Main code: `for await (const v of ch)` receives until the channel is
   * closing with no sender waiting (Stackless's iteration). */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined>;
  /** > 0: that many senders wait; < 0: receivers wait. */
  readonly balance: number;
  /** -1 prefer the receiver (default), 1 the sender, 0 neither. */
  preference: number;
  schedule_all: boolean;
  /** Actions that would block fail with ChannelClosedError from now on. */
  close(): void;
  open(): void;
  readonly closing: boolean;
  /** closing and balance 0. */
  readonly closed: boolean;
  /** The first blocked tasklet, or null. */
  readonly queue: Tasklet | null;
  release(): void;
  [Symbol.dispose](): void;
}

/** A new channel for values of type T: `channel<number>()`. */
export function channel<T = unknown>(): Channel<T>;

/** Run this thread's scheduler until none of its tasklets can run any more
 * (waiting, without blocking the event loop, while they wait for other
 * threads).  Inside a tasklet: `yield run()` (nested). */
export function run(): Blocking<void>;
/** Stackless's run(timeout, threadblock, soft, ignore_nesting, totaltimeout). */
export interface RunOptions {
  /** Interrupt a tasklet that made more than this many ticks in a row (every
   * `yield` of a JS tasklet is a tick); 0: never. */
  timeout?: number;
  /** A thread that may sleep waits for other threads rather than returning. */
  threadblock?: boolean;
  /** Interrupt nobody: come back at the timed-out tasklet's next switch point (gives null). */
  soft?: boolean;
  /** Kept for Stackless's signature; changes nothing. */
  ignore_nesting?: boolean;
  /** Count the timeout from the start of the run, not from the last switch. */
  totaltimeout?: boolean;
}
/** A pre-emptive run: gives the interrupted tasklet (paused: insert() or
 * kill() it), or null.  Inside a tasklet: `const t = yield run({ timeout })`. */
export function run(options: RunOptions): Blocking<Tasklet | null>;
/** Yield to the next tasklet.  Inside a tasklet: `yield schedule()`. */
export function schedule(): Op | undefined;
/** schedule(retval): the call gives retval back (Stackless's tempval).
 * Inside a tasklet: `const v = yield schedule(x)`. */
export function schedule<T>(retval: T): Op & T;
/** Stackless's `with atomic():` -- body runs with the current tasklet atomic.
 * Inside a tasklet, delegate to a generator body: `yield* atomic(function* () { ... })`. */
export function atomic<R>(body: () => TaskletGenerator<R>): TaskletGenerator<R>;
export function atomic<R>(body: () => R): R;
/** Stackless's set_error_handler: handler(error, tasklet) gets the uncaught
 * error of this thread's JS tasklets, in the dying tasklet; returning
 * swallows it, throwing replaces it.  It must not block or switch.  Gives the old one.
 * Tasklets written in C (the package's demo tasklets) are not JS: their
 * error is an SLP_E* code, which goes to the C runtime's handler
 * (slp_set_error_handler, one per process) or else to main code's run()
 * as a StacklessError, as an uncaught error does in Stackless; a JS
 * function cannot stand in for the C handler, which runs in the dying C
 * tasklet on whatever thread, where that thread's JS may be busy. */
export type ErrorHandler = (error: unknown, tasklet: Tasklet) => void;
export function set_error_handler(handler: ErrorHandler | null): ErrorHandler | null;
/** Called at every switch between two tasklets of this thread, before it
 * (prev null: a thread's main tasklet was created).  Must not block or switch. */
export type ScheduleCallback = (prev: Tasklet | null, next: Tasklet) => void;
export function set_schedule_callback(callback: ScheduleCallback | null): ScheduleCallback | null;
export function get_schedule_callback(): ScheduleCallback | null;
/** Called at every send and receive of this thread; a channel action inside it throws. */
export type ChannelCallback = (channel: Channel, tasklet: Tasklet, sending: boolean, willblock: boolean) => void;
export function set_channel_callback(callback: ChannelCallback | null): ChannelCallback | null;
export function get_channel_callback(): ChannelCallback | null;
/** [main, current, runcount] of a thread (default -1: this one); current is
 * null when its run queue is empty.  WrongThreadError for a bad thread. */
export function get_thread_info(threadId?: number): [Tasklet, Tasklet | null, number];
/** Inside a tasklet: `yield schedule_remove()`. */
export function schedule_remove(): Op;
export function getcurrent(): Tasklet;
export function getmain(): Tasklet;
export function getruncount(): number;
export function getthreads(): number[];

export type TaskletState = 'running' | 'runnable' | 'blocked_send' | 'blocked_recv' |
  'paused' | 'nothread' | 'dead' | 'waiting';
export interface TaskletInfo {
  handle: number;
  /** -1: its thread died. */
  thread_id: number;
  state: TaskletState;
  /** The channel's handle it is blocked on, or 0. */
  channel: number;
}
/** Every thread and every tasklet of the runtime at one moment (slp_snapshot). */
export function snapshot(): { threads: { id: number }[]; tasklets: TaskletInfo[] };
export function thread_id(): number;
export function switch_trap(delta: number): number;
// ------------------------------------------------------ timers and select

/**
 * Sleep for at least ms milliseconds.  Inside a tasklet `yield sleep(ms)`
 * parks only that tasklet (its thread runs the others; state 'waiting');
 * outside, a promise (`await sleep(ms)`).  Sleepers wake in deadline
 * order, equal deadlines in the order they slept; sleep(0) waits for the
 * thread's next switch.  A thread whose tasklets sleep is never deadlocked;
 * its event loop (page, Node main) waits in a setTimeout to the nearest
 * deadline, a worker that may block sleeps in C until it.  RangeError for
 * ms not a finite number >= 0.
 */
export function sleep(ms: number): Blocking<void>;

/** A case of select(): receive on a channel, or send a value on it. */
export type SelectCase = { receive: Channel<any> } | { send: Channel<any>; value: unknown };
export interface SelectOptions {
  /** Give up after this many milliseconds with TimeoutError (nothing sent
   * or received).  Default: wait for ever. */
  timeout?: number;
  /** true: if no case is ready now, give { index: -1 } at once (Go's
   * default case).  Not with timeout. */
  default?: boolean;
}
/** Which case happened (-1: the default case) and, for a receive, what came. */
export interface SelectResult {
  index: number;
  value: any;
}
/**
 * Go's select: do exactly one of the cases.  The first case in array order
 * that can happen now happens (not Go's random choice: runs stay
 * reproducible; rotate the array for fairness), else the caller waits on
 * every case's channel (counted in each balance) and the first partner to
 * come does its case; the action is the plain send/receive, so the
 * channel's preference and Stackless's rules apply.  A case that happens
 * with an error throws it with .index set: a receive's send_throw error,
 * ChannelClosedError for a closing channel with no partner.  Sends that did
 * not happen sent nothing.  Inside a tasklet:
 * `const { index, value } = yield select([{ receive: a }, { send: b, value: 1 }])`;
 * outside: `await select(...)` (in a helper tasklet queued behind the
 * runnable ones).  A select with a timeout is a sleeper (never
 * deadlocked); without one, the last runnable tasklet selecting with no
 * partner anywhere gets DeadlockError.
 */
export function select(cases: SelectCase[], options?: SelectOptions): Blocking<SelectResult>;

/** Count this event loop as a possible sender for sleeping threads; returns release().
 * The deadlock rule for main code: `await ch.receive()` / `await ch.send(v)`
 * in main code counts this thread as waiting, and settles with
 * DeadlockError when no thread can complete it any more (the thread that
 * could ended or was terminated, or every other thread waits too).  An
 * event loop that will send later itself (a timer, a click) holds.  In
 * Node, a program whose main code is done while its workers wait exits:
 * the waiting threads get DeadlockError where they wait and end their way
 * (a warning names what cannot end). */
export function hold(): () => void;

/** A thread started by startThread. */
export class Thread {
  private constructor();
  readonly id: number;
  readonly alive: boolean;
  /** Its result, once joined. */
  readonly result: unknown;
  /** Its function's result, or its error (copied). */
  join(): Promise<unknown>;
  /** End it: it stops where it holds nothing of the runtime's (its next
   * call into the runtime, or at once if it waits or is idle on its event
   * loop), then its worker is
   * terminated and the thread marked dead (its tasklets get thread_id -1).
   * timeout (ms, default 2000): a thread busy in its own JS that long is
   * terminated anyway. */
  terminate(options?: { timeout?: number }): Promise<void>;
}

export interface ThreadOptions {
  /** true (default): the thread's scheduler sleeps in C while it waits for
   * other threads; false: it awaits on its event loop. */
  blocking?: boolean;
}

/** Start a worker that imports moduleURL and runs its export `name` with
 * args (copied; channels and tasklets pass as themselves).  A generator
 * function runs as a tasklet, another function as the thread's main code.
 * Resolves once the thread runs.
 *
 * The thread-end rule (Stackless's, the seed's "soft-switched tasklets
 * simply stop"): the thread ends when that function returns, or when
 * terminate() ends it; its tasklets still queued or blocked then stop where
 * they are (thread_id -1, alive false, not run on, nothing thrown in;
 * blocked ones stay in their channel and block it).  kill() them, or
 * bind_thread() one written in C without C state (restorable) to a live
 * thread, where it goes on from where it stopped; a JS tasklet's generator
 * lives in its worker, so it can only be killed.  Only a tasklet with C
 * state (inside a nested run()) is killed when the function returns; under
 * terminate() the one running at that moment, if any, ends.  join() gives
 * the function's result.
 *
 * The worker-module pattern: keep thread functions in a module of their
 * own, or guard the top level (`if (thread_id() === 1)`, Node's
 * isMainThread): a module that starts threads at its top level while a
 * worker imports it is refused (the thread fails saying so).  In a browser
 * the worker module imports the package by the same index.js URL as the
 * page (import maps do not reach workers, and a bare specifier does not
 * resolve in Emscripten's classic pthread worker).
 *
 * Values that cross threads (arguments, channel values, results) are copied
 * by the structured clone algorithm, as postMessage copies (strings
 * exactly, lone surrogates included), with channels and tasklets anywhere
 * inside arriving as themselves; functions and symbols throw DataCloneError
 * at send(), in the sender, and nothing is lost.  On one thread a value is
 * not copied. */
export function startThread(moduleURL: string | URL, name?: string, ...args: unknown[]): Promise<Thread>;
export function startThreadWith(options: ThreadOptions, moduleURL: string | URL, name?: string,
  ...args: unknown[]): Promise<Thread>;

/** Errors of the runtime: code is the SLP_E* code, errno its name, message
 * the runtime's text. */
export class StacklessError extends Error {
  constructor(code?: number, message?: string);
  readonly code: number;
  readonly errno: string;
}
export class TaskletExit extends StacklessError {}
export class DeadlockError extends StacklessError {}
export class ChannelClosedError extends StacklessError {}
export class DeadTaskletError extends StacklessError {}
export class WrongThreadError extends StacklessError {}
export class BadArgumentError extends StacklessError {}
/** A wait with a deadline ran out (select or receive/send_timeout): SLP_ETIMEDOUT. */
export class TimeoutError extends StacklessError {}
/** What the structured clone algorithm refuses (a function, a symbol). */
export class DataCloneError extends Error {}

/** Tasklets written in C, compiled into the module. */
export const demo: {
  /** n round trips between two C tasklets (the benchmark's baseline). */
  pingpong(n: number): void;
  /** Receives values on ch and sends each back on ch, until killed. */
  echo(ch: Channel<any>): Tasklet;
  /** As echo, with no C state while blocked (restorable): it can be revived
   * on another thread with bind_thread after its own died. */
  echoRestorable(ch: Channel<any>): Tasklet;
};

/** For threads: called in a new worker by the module itself. */
export function bootThread(module: unknown, boot: number): Promise<void>;

declare const stackless: {
  init: typeof init; hasThreads: typeof hasThreads; tasklet: typeof tasklet; channel: typeof channel; run: typeof run;
  schedule: typeof schedule; schedule_remove: typeof schedule_remove;
  getcurrent: typeof getcurrent; getmain: typeof getmain; getruncount: typeof getruncount;
  getthreads: typeof getthreads; thread_id: typeof thread_id; switch_trap: typeof switch_trap;
  hold: typeof hold; startThread: typeof startThread; startThreadWith: typeof startThreadWith;
  snapshot: typeof snapshot; get_thread_info: typeof get_thread_info; atomic: typeof atomic;
  set_error_handler: typeof set_error_handler; set_schedule_callback: typeof set_schedule_callback;
  get_schedule_callback: typeof get_schedule_callback; set_channel_callback: typeof set_channel_callback;
  get_channel_callback: typeof get_channel_callback;
  readonly current: Tasklet; readonly main: Tasklet; readonly runcount: number;
  readonly threads: number[];
  Tasklet: typeof Tasklet; Channel: typeof Channel; Thread: typeof Thread; Op: typeof Op;
  StacklessError: typeof StacklessError; TaskletExit: typeof TaskletExit; DataCloneError: typeof DataCloneError;
  DeadlockError: typeof DeadlockError; ChannelClosedError: typeof ChannelClosedError;
  DeadTaskletError: typeof DeadTaskletError; WrongThreadError: typeof WrongThreadError;
  BadArgumentError: typeof BadArgumentError; demo: typeof demo;
};
export default stackless;
