/* Reference peer: Emscripten's own fibers (emscripten_fiber_swap, built on
 * -sASYNCIFY), the thing a tasklet switch is compared against.
 *
 * bench_fiber(n): n round trips main -> fiber (resume) -> main (yield).
 * bench_canary(n): n calls of fib(20), a plain recursive function that
 *   calls nothing of ours, so runs on the (unequal-speed) vCPUs can be
 *   compared: report ratios to it, not raw ns.
 * Both leave ns per unit in bench_result() (the fiber export's own return
 * value is lost: the export is unwound and re-entered by every swap).
 *
 * Main thread only: TOOLCHAIN.md saw emscripten_fiber_swap crash or hang
 * on a pthread in 3.1.6.
 */
#include <emscripten.h>
#include <emscripten/fiber.h>

#define CSTACK (64 * 1024)
#define ASTACK (64 * 1024) /* Asyncify save area per context */

static emscripten_fiber_t main_ctx, peer_ctx;
static char peer_cstack[CSTACK] __attribute__((aligned(16)));
static char main_astack[ASTACK], peer_astack[ASTACK];
static int peer_ready;
static volatile long peer_count; /* work the fiber does per resume */
static double result_ns;

/* Fiber body: never returns (returning from a fiber entry is undefined). */
static void peer_body(void *arg) {
  (void)arg;
  for (;;) {
    peer_count++;
    emscripten_fiber_swap(&peer_ctx, &main_ctx); /* yield */
  }
}

EMSCRIPTEN_KEEPALIVE void bench_fiber(int n) {
  if (!peer_ready) {
    emscripten_fiber_init_from_current_context(&main_ctx, main_astack, ASTACK);
    emscripten_fiber_init(&peer_ctx, peer_body, 0, peer_cstack, CSTACK,
                          peer_astack, ASTACK);
    peer_ready = 1;
    emscripten_fiber_swap(&main_ctx, &peer_ctx); /* warm: first entry */
  }
  long start_count = peer_count;
  double t0 = emscripten_get_now();
  for (int i = 0; i < n; i++)
    emscripten_fiber_swap(&main_ctx, &peer_ctx); /* resume; returns on yield */
  double t1 = emscripten_get_now();
  result_ns = (peer_count - start_count == n) ? (t1 - t0) * 1e6 / n : -1.0;
}

static volatile int fib_arg = 20; /* volatile: no constant folding */
static volatile int fib_sink;
static int fib(int k) { return k < 2 ? k : fib(k - 1) + fib(k - 2); }

EMSCRIPTEN_KEEPALIVE void bench_canary(int n) {
  double t0 = emscripten_get_now();
  for (int i = 0; i < n; i++) fib_sink = fib(fib_arg);
  double t1 = emscripten_get_now();
  result_ns = (t1 - t0) * 1e6 / n; /* ns per fib(20) */
}

EMSCRIPTEN_KEEPALIVE double bench_result(void) { return result_ns; }
