// misuse.ts -- mistakes the types must refuse.  Each line after a
// `@ts-expect-error` must be an error under `tsc --strict` (tsc reports an
// unused directive otherwise); run.sh also checks that without the
// directives tsc reports an error on exactly those lines.  Never run.
import { tasklet, channel, run, schedule, sleep, select, type Channel, type Op } from 'stackless-wasm';

export async function misuse(): Promise<void> {
  const ch = channel<number>();
  const names = channel<string>();

  // A tasklet yields only the package's operations.
  // @ts-expect-error: yield of a plain value
  tasklet(function* () { yield 42; })();
  // @ts-expect-error: a generator (send_sequence) must be delegated to with yield*, not yielded
  tasklet(function* () { yield ch.send_sequence([1, 2]); })();
  // @ts-expect-error: an Op is not iterable: yield* of receive()
  tasklet(function* () { yield* ch.receive(); })();
  // @ts-expect-error: select takes cases, not channels
  tasklet(function* () { yield select([ch]); })();
  // @ts-expect-error: sleep takes milliseconds
  tasklet(function* () { yield sleep('10'); })();
  // @ts-expect-error: async functions are not tasklets
  tasklet(async () => { await ch.send(1); })();

  // Channels carry their value type.
  // @ts-expect-error: a string on a channel of numbers
  await ch.send('one');
  // @ts-expect-error: what a channel of numbers gives is no string
  const s: string = await ch.receive();
  // @ts-expect-error: a sequence of strings on a channel of numbers
  await ch.send_sequence(['a', 'b']);
  // @ts-expect-error: a channel of strings is not a channel of numbers' sequence
  const n: number = await names.send_sequence(['a']).then((k) => String(k));
  // @ts-expect-error: send_sequence counts: a number, not a string
  const count: string = await ch.send_sequence([1]);

  // Tasklets are called with their function's arguments.
  const t = tasklet(function* (c: Channel<number>, label: string) { yield c.send(label.length); });
  // @ts-expect-error: wrong argument types
  t(names, 'x');
  // @ts-expect-error: missing argument
  t(ch);
  // @ts-expect-error: setup checks them too
  t.setup(ch, 3);

  // Outside tasklets, the result is a promise of the value, not the value.
  // @ts-expect-error: receive() without await
  const m: number = ch.receive();
  // @ts-expect-error: run() is awaited, not a boolean
  const done: boolean = await run();
  // @ts-expect-error: schedule() gives no value
  const x: number = schedule();
  // @ts-expect-error: an Op has no value to read
  const o: Op = ch.send(1); o.value;

  console.log(s, n, count, m, done, x);
}
