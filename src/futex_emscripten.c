/* futex_emscripten.c -- wait on a 32-bit word of the shared memory: in a
 * Web Worker this is Atomics.wait/notify.  (On a browser main thread
 * Emscripten spins instead; the JavaScript layer never lets that thread
 * sleep here: see slp_thread_set_nonblocking.) */
#include <emscripten/threading.h>
#include <math.h>

#include "internal.h"

void slp__futex_wait(volatile uint32_t *word, uint32_t expected) {
    emscripten_futex_wait((volatile void *)word, expected, INFINITY);
}

void slp__futex_wait_ns(volatile uint32_t *word, uint32_t expected, uint64_t ns) {
    emscripten_futex_wait((volatile void *)word, expected, (double)ns / 1e6);
}

void slp__futex_wake(volatile uint32_t *word, int count) {
    emscripten_futex_wake((volatile void *)word, count);
}

void slp__cpu_relax(void) {} /* wasm has no pause instruction */

/* A thread that polls (a lone tasklet calling schedule() in a loop) must
 * still serve the calls other threads proxy to it, such as their stdout
 * writes on the main thread, or they wait for it forever. */
void slp__idle_poll(void) { emscripten_current_thread_process_queued_calls(); }
