// demo.js -- tasklets written in C and compiled into the module (for tests,
// the benchmark's baseline and the browser demo).
import { A } from './state.js';
import { check } from './ops.js';
import { tasklet } from './tasklet.js';
import { enter } from './pump.js';
import { localWakeNow } from './wait.js';

/** Tasklets written in C and compiled into the module (for tests and demos). */
export const demo = {
  /** The benchmark's baseline: n round trips between two C tasklets here. */
  pingpong(n) {
    enter();
    check(A.slp_js_demo_pingpong(n | 0));
  },
  /** A C tasklet that receives values on ch and sends each back on ch. */
  echo(ch) {
    const t = tasklet();
    check(A.slp_tasklet_bind(t.h, A.slp_js_demo_echo(), ch.h));
    check(A.slp_tasklet_setup(t.h));
    localWakeNow();
    return t;
  },
  /** As echo, with no C state while blocked (restorable): after its thread
   * died it can be revived on another one with bind_thread(id) + insert(). */
  echoRestorable(ch) {
    const t = tasklet();
    check(A.slp_js_demo_echo_restorable(t.h, ch.h));
    return t;
  },
};
