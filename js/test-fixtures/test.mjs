// node:test's test(), each test with a timeout unless it sets its own: on
// Node 20, --test-timeout bounds a file as a whole, so a hung test would
// stall its file and fail without its name.  Here it fails by name and the
// file goes on.  (In Chromium 'node:test' is the page's shim, mapped in.)
import { test as nodeTest } from 'node:test';

export { after, before, afterEach, beforeEach, describe } from 'node:test';

export const TEST_TIMEOUT_MS = 120_000;

function withTimeout(opts) {
  return { timeout: TEST_TIMEOUT_MS, ...opts };
}

export function test(name, opts, fn) {
  if (typeof opts === 'function') return nodeTest(name, withTimeout({}), opts);
  return nodeTest(name, withTimeout(opts), fn);
}
test.skip = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, withTimeout({ skip: true }), opts) : nodeTest(name, withTimeout({ ...opts, skip: true }), fn));
test.todo = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, withTimeout({ todo: true }), opts) : nodeTest(name, withTimeout({ ...opts, todo: true }), fn));

/** Waits (a task at a time) until cond() holds: tests wait for the state
 * they assert, never for a time; the test's timeout bounds a state that
 * never comes. */
export async function until(cond) {
  while (!cond()) await new Promise((ok) => setTimeout(ok, 1));
}
