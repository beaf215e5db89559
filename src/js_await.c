/*
 * js_await.c -- a C tasklet waits for a JavaScript promise (slp_js_await),
 * and slp_js_run, which drives a thread's scheduler from its JavaScript
 * event loop.  Emscripten only; elsewhere both answer SLP_ENOTSUP.
 *
 * The waiter sleeps without a deadline (timer.c: a sleeper, so neither it
 * nor its thread is deadlocked, and slp_timer_next has no deadline for
 * it).  The promise's settle handler (wasm/js_await.js), which runs on the
 * event loop of the thread whose realm called the function, stores the
 * outcome here and ends the sleep (slp__sleep_end), which also changes the
 * waiter's thread's wake word.
 *
 * Which realm calls the function: a thread that returns to its event loop
 * (slp_thread_set_nonblocking: the page's or Node's main thread, a worker
 * of the npm package that does not block) calls it itself.  A thread that
 * sleeps in C (a pthread of C code) could settle nothing while it sleeps:
 * its call is queued to the main thread's realm, whose event loop settles
 * it (a browser page's always runs; a C program on Node's main thread runs
 * it with slp_js_run).  A main thread that blocks has no loop: ENOLOOP.
 *
 * The record below is shared by the waiter and the settle handler (maybe
 * on another thread); its state changes under the runtime's lock, and the
 * one that comes last frees it: the settle handler if the waiter left
 * first (killed), else the waiter.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <emscripten/threading.h>

#define API EMSCRIPTEN_KEEPALIVE

enum { PENDING, FULFILLED, REJECTED, LEFT };

typedef struct js_await {
    slp_tasklet t;    /* the waiter (a handle: checked when it settles) */
    int state;
    char *text;       /* the value or the reason, malloc'd, or NULL */
    char *fn, *arg;   /* copies: the call may run later, on the main thread */
} js_await;

/* wasm/js_await.js: call the function named fn with arg (later: from a
 * task of the event loop of its own, as every call from here is); when
 * what it returns settles, slp__js_settled(a, ...). */
extern void slp__js_start(js_await *a, const char *fn, const char *arg, int later);
/* wasm/js_await.js: slp_js_run's loop; ctx goes back to slp__js_run_done. */
extern void slp__js_drive(void *ctx);

static void free_await(js_await *a) {
    free(a->text);
    free(a->fn);
    free(a->arg);
    free(a);
}

static char *dup(const char *s) {
    size_t n;
    char *d;
    if (!s) return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

#ifdef __EMSCRIPTEN_PTHREADS__
/* Served by Emscripten inside any wait of the main thread, maybe under the
 * runtime's lock: it only queues a task (js_await.js). */
static void start_on_main(js_await *a) { slp__js_start(a, a->fn, a->arg, 1); }
#endif

/* For js_await.js: room for the outcome's text (malloc, which a JS
 * library cannot name in every build). */
API char *slp__js_alloc(size_t n) { return malloc(n); }

/* From JS, on the thread that called the function: ok 1 fulfilled, 0
 * rejected; text is malloc'd (or NULL) and belongs to a from now on. */
API void slp__js_settled(js_await *a, int ok, char *text) {
    slp__tasklet *t;
    slp__lock();
    if (a->state == LEFT) { /* the waiter is gone (killed) */
        slp__unlock();
        free(text);
        free_await(a);
        return;
    }
    a->state = ok ? FULFILLED : REJECTED;
    a->text = text;
    t = slp__handle_get(a->t, SLP__HK_TASKLET);
    if (t) slp__sleep_end(t); /* (not asleep yet: it sees the state) */
    slp__unlock();
}

int slp_js_await(const char *fn, const char *arg, char **result) {
    slp__thread *th = slp__self();
    slp__tasklet *self;
    js_await *a;
    int r = 0, state;
    char *text;
    if (result) *result = NULL;
    if (!th) return slp__self_error();
    if (!fn) return SLP_EINVAL;
    if (!th->nonblocking && (!slp__have_threads || emscripten_is_main_runtime_thread()))
        return SLP_ENOLOOP;
    a = calloc(1, sizeof *a);
    if (!a) return SLP_ENOMEM;
    a->fn = dup(fn);
    a->arg = dup(arg);
    if (!a->fn || (arg && !a->arg)) {
        free_await(a);
        return SLP_ENOMEM;
    }
    slp__lock();
    a->t = th->current->handle;
    slp__unlock();
    if (th->nonblocking)
        slp__js_start(a, a->fn, a->arg, 1);
#ifdef __EMSCRIPTEN_PTHREADS__
    else
        emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_VI, start_on_main, a);
#endif
    slp__lock();
    self = th->current;
    if (a->state == PENDING) {
        if (slp__timer_reserve(th)) {
            a->state = LEFT;
            return slp__unlock_ret(SLP_ENOMEM);
        }
        slp__wait_park(th, self, SLP__WAIT_SLEEP, SLP__NOT_DUE);
        r = slp__block(th, self);
        slp__lock();
    }
    if (a->state == PENDING) {
        /* Left before it settled: a kill or throw, or a refused block
         * (EWOULDBLOCK: main itself may not wait here), or its thread
         * died meanwhile.  The settle handler frees a. */
        a->state = LEFT;
        slp__unlock();
        return r ? r : SLP_ENOTHREAD;
    }
    slp__unlock();
    state = a->state;
    text = a->text;
    a->text = NULL;
    free_await(a);
    if (r) { /* thrown in after it settled: the outcome is dropped */
        free(text);
        return r;
    }
    if (result)
        *result = text;
    else
        free(text);
    return state == FULFILLED ? 0 : SLP_EREJECTED;
}

/* ------------------------------------------------------------ slp_js_run */

typedef struct {
    void (*done)(int result, void *ud);
    void *ud;
} js_run;

int slp_js_run(void (*done)(int result, void *ud), void *ud) {
    js_run *c;
    if (!done) return SLP_EINVAL;
    if (!slp__thread_self()) return slp__self_error();
    c = malloc(sizeof *c);
    if (!c) return SLP_ENOMEM;
    c->done = done;
    c->ud = ud;
    slp_thread_set_nonblocking(1);
    slp__js_drive(c);
    return 0;
}

/* js_await.js's loop: one run of the scheduler.  2: tasklets are queued
 * here already (run again at once); 1: tasklets are left waiting; else
 * slp_run's result (0: nothing is left).  A run can end with tasklets
 * queued: the switch back to main queues a sleeper whose time came after
 * the switch was decided (scheduler.c's poll at each switch), and a
 * schedule callback may insert one. */
API int slp__js_run_once(void) {
    int r = slp_run();
    if (r == 0 || r == SLP_EWOULDBLOCK) {
        if (slp_getruncount() > 1) return 2;
        if (slp_thread_waiting() > 0) return 1;
    }
    return r;
}

API void slp__js_run_done(js_run *c, int r) {
    js_run run = *c;
    free(c);
    run.done(r, run.ud);
}

/* slp_timer_next in milliseconds (no BigInt in JS), -1: no deadline. */
API double slp__js_timer_ms(void) {
    int64_t ns = slp_timer_next();
    return ns < 0 ? -1.0 : (double)ns / 1e6;
}

API uint32_t slp__js_wake_index(void) {
    return (uint32_t)(uintptr_t)slp_thread_wake_word() / 4;
}

API int slp__js_idle(int begin) { return slp_thread_idle(begin); }

API int slp__js_threads(void) { return slp_getthreads(NULL, 0); }

#else /* not Emscripten: no JavaScript */

int slp_js_await(const char *fn, const char *arg, char **result) {
    (void)fn;
    (void)arg;
    if (result) *result = NULL;
    return SLP_ENOTSUP;
}

int slp_js_run(void (*done)(int result, void *ud), void *ud) {
    (void)done;
    (void)ud;
    return SLP_ENOTSUP;
}

#endif
