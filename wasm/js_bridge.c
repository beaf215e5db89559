/*
 * js_bridge.c -- the C half of the npm package (js/index.js is the other).
 *
 * JAVASCRIPT TASKLETS (DESIGN-NOTES trap 1)
 *   Asyncify can only unwind wasm frames, so a JS tasklet never blocks inside
 *   JavaScript.  Its C body, js_tasklet(), is a loop: it calls into JS
 *   (slp_js_step, wasm/js_library.js) to advance the tasklet's generator by one
 *   step; the generator yields an operation ("receive on channel 5"); JS
 *   writes it into the tasklet's slp_js_task and returns; then C performs it.
 *   Only C frames are on the stack when the operation blocks and switches,
 *   and the scheduler keeps Stackless's exact order because it is the C one.
 *   js_tasklet keeps everything in the heap struct: no address-taken local,
 *   so its slice of the shadow stack stays empty.
 *
 * THREADS THAT RUN JAVASCRIPT
 *   slp_js_thread_start() starts an Emscripten pthread (a Web Worker) through
 *   slp_thread_start, so the runtime counts it as a partner at once.  Its main
 *   function hands over to JS (slp_js_thread_boot imports js/index.js and the
 *   user's module into that worker) and unwinds to the worker's event loop,
 *   which keeps the pthread alive.  JS ends it with slp_js_thread_finish().
 *   The single-thread module (SLP_THREADS=OFF, for pages without
 *   SharedArrayBuffer) links the same code: slp_thread_start answers
 *   SLP_ENOTSUP there, so none of it runs.
 *
 * VALUES THAT CROSS THREADS
 *   JS values travel through channels as one 32-bit word (see js/values.js).
 *   Objects that may reach another thread go in a "box" in the shared heap
 *   that carries a copy (JSON, UTF-8, bytes) and, for a receiver on the same
 *   thread, the index of the original object in its thread's table.  A box
 *   received on another thread is returned to its origin thread through a
 *   lock-free list, so that the origin can drop the original.
 *
 * Only include/stackless.h is used: handle references, nonblocking threads
 * and their idle accounting are the runtime's public calls (slp_*_retain,
 * slp_thread_set_nonblocking, slp_thread_idle, slp_thread_waiting), called
 * from js/index.js directly.
 */
#include <emscripten.h>
#include <emscripten/eventloop.h>
#include <emscripten/threading.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "stackless.h"

#define API EMSCRIPTEN_KEEPALIVE

/* src/timer.c: a sleep that a settled promise ends; never a deadlock. */
int slp__sleep_await(void);

/* ------------------------------------------------------- JS tasklets */

/* Operations a JS tasklet yields.  Keep in step with OP in js/index.js. */
enum {
    OP_DONE = 0,       /* the generator ended: err is the tasklet's result */
    OP_SEND,           /* a: channel, value */
    OP_SEND_THROW,     /* a: channel, b: error code, value */
    OP_RECEIVE,        /* a: channel; value <- what was received */
    OP_SCHEDULE,
    OP_SCHEDULE_REMOVE,
    OP_RUN,            /* a nested slp_run() */
    OP_TASKLET_RUN,    /* a: tasklet */
    OP_TASKLET_SWITCH, /* a: tasklet */
    OP_KILL,           /* a: tasklet, c: pending */
    OP_THROW,          /* a: tasklet, b: error code, value, c: pending */
    OP_SCHEDULE_VALUE, /* value: retval; value <- the caller's tempval */
    OP_RUN_WATCHDOG,   /* a: timeout, b: flags; c <- the interrupted tasklet */
    OP_SLEEP,          /* a, b: nanoseconds (low, high 32 bits) */
    OP_AWAIT,          /* park until JS ends the wait (a promise settled) */
    OP_SELECT          /* a: js_select, b: its case count; c <- the index */
};

/* OP_SELECT's block (JS allocates and frees it): the timeout, then the cases. */
typedef struct {
    uint64_t timeout_ns;
    slp_select_case cases[];
} js_select;

/* One JS tasklet's exchange area, allocated by JS; freed by js_tasklet when
 * the generator ends (JS frees it if the tasklet never ran). */
typedef struct slp_js_task {
    int32_t op;    /* out of JS: the operation */
    int32_t a, b, c;
    int32_t err;   /* into JS: the operation's result (0 or SLP_E*) */
    void *value;   /* both ways: the value sent or received */
    slp_tasklet self; /* the tasklet: JS finds its record by it (an array
                       * index, not a hash of the area's address) */
} slp_js_task;

/* wasm/js_library.js: feed err/value to the generator of d, store what it
 * yields in d, return d->op. */
extern int slp_js_step(slp_js_task *d);

/* The operations other than a channel's and schedule(), and the tick after
 * them; 1 if d is not this thread's (js_tasklet returns d->err). */
static int js_other_op(slp_js_task *d, int op) {
    switch (op) {
    case OP_SEND_THROW: d->err = slp_channel_send_throw(d->a, d->b, d->value); break;
    case OP_SCHEDULE_REMOVE: d->err = slp_schedule_remove(); break;
    case OP_RUN: d->err = slp_run(); break;
    case OP_RUN_WATCHDOG: /* out into the heap: no address-taken local */
        d->c = 0;
        d->err = slp_run_watchdog(d->a, d->b, (slp_tasklet *)&d->c);
        break;
    case OP_SCHEDULE_VALUE: d->err = slp_schedule_value(d->value, &d->value); break;
    case OP_SLEEP: d->err = slp_sleep((uint64_t)(uint32_t)d->b << 32 | (uint32_t)d->a); break;
    /* A promise: parked as a sleeper without deadline (not deadlocked,
     * the thread is not idle); JS throws its wake code in when it
     * settles (js/timers.js). */
    case OP_AWAIT: d->err = slp__sleep_await(); break;
    case OP_SELECT: {
        js_select *s = (js_select *)(uintptr_t)d->a;
        d->c = slp_select(s->cases, d->b, s->timeout_ns);
        d->err = d->c < 0 ? d->c : 0;
        break;
    }
    case OP_TASKLET_RUN: d->err = slp_tasklet_run(d->a); break;
    case OP_TASKLET_SWITCH: d->err = slp_tasklet_switch(d->a); break;
    case OP_KILL: d->err = slp_tasklet_kill(d->a, d->c); break;
    case OP_THROW: d->err = slp_tasklet_throw(d->a, d->b, d->value, d->c); break;
    default: return 1; /* not this thread's generator: d belongs to its own */
    }
    /* Every yield is a pre-emption tick: these ops are not ticks in C
     * (send, receive and the schedules are).  After the op, so that an
     * error thrown in meanwhile is what the yield raises, the op done. */
    if (op >= OP_TASKLET_RUN && op <= OP_THROW && d->err == 0) d->err = slp_tick();
    return 0;
}
/* Called through a pointer, so that wasm-opt does not inline it (it inlines
 * a function called once): js_tasklet's frame, which Asyncify saves and
 * restores at every switch of a JS tasklet, keeps only the hot ops' locals. */
static int (*volatile js_other)(slp_js_task *, int) = js_other_op;

static int js_tasklet(void *arg) {
    slp_js_task *d = arg;
    int op, r;
    for (;;) {
        op = slp_js_step(d);
        if (op == OP_RECEIVE) d->err = slp_channel_receive(d->a, &d->value);
        else if (op == OP_SEND) d->err = slp_channel_send(d->a, d->value);
        else if (op == OP_SCHEDULE) d->err = slp_schedule();
        else if (op == OP_DONE) {
            r = d->err;
            free(d);
            return r;
        } else if (js_other(d, op)) {
            return d->err;
        }
    }
}

/* slp_timer_next in milliseconds (a double, so JS needs no BigInt): -1
 * when no tasklet sleeps here. */
API double slp_js_timer_next_ms(void) {
    int64_t ns = slp_timer_next();
    return ns < 0 ? -1.0 : (double)ns / 1e6;
}

/* The function JS binds its tasklets to (slp_tasklet_bind(t, fn, task)). */
API slp_func slp_js_tasklet_func(void) { return js_tasklet; }

/* ------------------------------------------ which thread's JS owns a tasklet */

/* A tasklet bound to a JS function (t.bind(fn)) can only run in the
 * thread whose JS realm holds fn.  Other threads ask here (bind_thread is
 * refused, setup() queues it in its owner): handle -> owner thread id, in
 * a table indexed by the handle's slot index (handle.c: (generation << 24)
 * | index; two live handles never share an index), in chunks made on first
 * use.  An entry holds the whole handle: one of an older generation is a
 * tasklet that is gone, overwritten by the next mark.  Tasklets made one
 * after the other have neighbouring entries: open addressing keyed by a
 * hash of the handle took up to 0.5 us a mark (a cache miss per probe in
 * a table as large as the wrappers not yet collected). */
typedef struct js_owner {
    slp_tasklet t; /* 0: empty */
    int tid;
} js_owner;

#define OWNER_INDEX(t) ((uint32_t)(t) & 0xffffffu)
#define OWNER_CHUNK_BITS 12u
#define OWNER_CHUNK (1u << OWNER_CHUNK_BITS)

static js_owner *owners[(0xffffffu >> OWNER_CHUNK_BITS) + 1u];
static pthread_mutex_t owners_lock = PTHREAD_MUTEX_INITIALIZER;

/* The entry of t's index (made if make); NULL: none, or out of memory. */
static js_owner *owner_slot(slp_tasklet t, int make) {
    uint32_t i = OWNER_INDEX(t);
    js_owner **c = &owners[i >> OWNER_CHUNK_BITS];
    if (!*c && (!make || !(*c = calloc(OWNER_CHUNK, sizeof **c)))) return NULL;
    return &(*c)[i & (OWNER_CHUNK - 1u)];
}

/* tid > 0: t is bound to a function of thread tid's JS; 0: forget t. */
API int slp_js_mark(slp_tasklet t, int tid) {
    js_owner *o;
    int r = 0;
    pthread_mutex_lock(&owners_lock);
    if (tid) {
        if ((o = owner_slot(t, 1))) {
            o->t = t;
            o->tid = tid;
        } else {
            r = SLP_ENOMEM;
        }
    } else if ((o = owner_slot(t, 0)) && o->t == t) {
        o->t = 0;
        o->tid = 0;
    }
    pthread_mutex_unlock(&owners_lock);
    return r;
}

/* The thread whose JS function t is bound to, or 0. */
API int slp_js_owner(slp_tasklet t) {
    js_owner *o;
    int tid;
    pthread_mutex_lock(&owners_lock);
    tid = (o = owner_slot(t, 0)) && o->t == t ? o->tid : 0;
    pthread_mutex_unlock(&owners_lock);
    return tid;
}

/* ------------------------------- JS tasklet creation, one call each step */

/* tasklet(fn) (js/tasklet.js): a new tasklet marked as bound to a
 * function of thread tid's JS.  Errors: ENOMEM. */
API int slp_js_tasklet_new(slp_tasklet *out, int tid) {
    int r = slp_tasklet_new(out);
    if (r == 0 && (r = slp_js_mark(*out, tid)) != 0) slp_tasklet_release(*out);
    return r;
}

/* setup() of a JS tasklet made here (js/tasklet.js): a zeroed exchange
 * area into *out, t bound to js_tasklet with it and queued.  Errors:
 * EALIVE, ENOMEM, those of slp_tasklet_bind and slp_tasklet_setup (then
 * the area is freed). */
API int slp_js_tasklet_setup(slp_tasklet t, slp_js_task **out) {
    slp_js_task *d;
    int r;
    if (slp_tasklet_alive(t) == 1) return SLP_EALIVE;
    if (!(d = calloc(1, sizeof *d))) return SLP_ENOMEM;
    d->self = t;
    if ((r = slp_tasklet_bind(t, js_tasklet, d)) == 0 && (r = slp_tasklet_setup(t)) == 0) {
        *out = d;
        return 0;
    }
    free(d);
    return r;
}

/* ------------------------------------------------------- JS callbacks */

/* wasm/js_library.js: call this thread's JS callback (Module.slpCallback),
 * if it has one; 0 or an error code.  C's callbacks are process-wide, JS
 * functions live in one thread's realm: each thread's JS sets its own,
 * and a thread without one answers 0. */
extern int slp_js_callback(int kind, int a, int b, int c, int d);

static int js_schedule_cb(slp_tasklet prev, slp_tasklet next) {
    return slp_js_callback(0, (int)prev, (int)next, 0, 0);
}

static int js_channel_cb(slp_channel ch, slp_tasklet t, int sending, int willblock) {
    return slp_js_callback(1, (int)ch, (int)t, sending, willblock);
}

/* How many threads have a JS callback of each kind: the trampoline is
 * installed while one does. */
static int cb_users[2];
static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;

/* A thread's JS gained (delta 1) or dropped (-1) a callback of kind. */
API void slp_js_callback_use(int kind, int delta) {
    pthread_mutex_lock(&cb_lock);
    cb_users[kind] += delta;
    if (kind == 0)
        slp_set_schedule_callback(cb_users[0] > 0 ? js_schedule_cb : NULL);
    else
        slp_set_channel_callback(cb_users[1] > 0 ? js_channel_cb : NULL);
    pthread_mutex_unlock(&cb_lock);
}

/* ------------------------------------------------- a C demo tasklet */

/* echo: receive a value on the channel and send it back on the same one,
 * until killed or the channel fails.  A C tasklet for the tests: it talks
 * to JS tasklets over one channel, values untouched. */
static int echo(void *arg) {
    slp_channel ch = (slp_channel)(uintptr_t)arg;
    void *v;
    int r;
    while ((r = slp_channel_receive(ch, &v)) == 0)
        if ((r = slp_channel_send(ch, v)) != 0) break;
    return r == SLP_EEXIT || r == SLP_ECLOSED ? 0 : r;
}

API slp_func slp_js_demo_echo(void) { return echo; }

/* echo_restorable: echo without C state.  Its saved shadow-stack slice is
 * empty while it is blocked (no address-taken local: the value is received
 * into a heap slot; no variadic call in this frame), so it is restorable and
 * can be revived on another thread (bind_thread) after its thread died.
 * arg: a malloc'd slot { channel, value }, freed when it ends. */
typedef struct {
    slp_channel ch;
    void *value;
} echo_slot;

static int echo_restorable(void *arg) {
    echo_slot *s = arg;
    int r;
    while ((r = slp_channel_receive(s->ch, &s->value)) == 0)
        if ((r = slp_channel_send(s->ch, s->value)) != 0) break;
    free(s);
    return r == SLP_EEXIT || r == SLP_ECLOSED ? 0 : r;
}

API int slp_js_demo_echo_restorable(slp_tasklet t, slp_channel ch) {
    echo_slot *s = malloc(sizeof *s);
    int r;
    if (!s) return SLP_ENOMEM;
    s->ch = ch;
    s->value = NULL;
    if ((r = slp_tasklet_bind(t, echo_restorable, s)) == 0 &&
        (r = slp_tasklet_setup(t)) == 0)
        return 0;
    free(s);
    return r;
}

/* pingpong: the benchmark's baseline in C.  Two C tasklets, n round trips
 * over two channels, on the calling thread (main code: runs the scheduler
 * until they are done). */
typedef struct {
    slp_channel ping, pong;
    int n;
} pp_args;

static int pp_echo(void *arg) {
    pp_args *p = arg;
    void *v;
    int i;
    for (i = 0; i < p->n; i++) {
        if (slp_channel_receive(p->ping, &v) != 0) return 0;
        if (slp_channel_send(p->pong, v) != 0) return 0;
    }
    return 0;
}

static int pp_drive(void *arg) {
    pp_args *p = arg;
    void *v;
    int i;
    for (i = 0; i < p->n; i++) {
        if (slp_channel_send(p->ping, (void *)(uintptr_t)(2 * i + 1)) != 0) return 0;
        if (slp_channel_receive(p->pong, &v) != 0) return 0;
    }
    return 0;
}

API int slp_js_demo_pingpong(int n) {
    static pp_args p;
    slp_tasklet a, b;
    int r;
    p.n = n;
    if ((r = slp_channel_new(&p.ping)) != 0 || (r = slp_channel_new(&p.pong)) != 0) return r;
    if ((r = slp_tasklet_create(&a, pp_echo, &p)) != 0) return r;
    if ((r = slp_tasklet_create(&b, pp_drive, &p)) != 0) return r;
    r = slp_run();
    slp_tasklet_release(a);
    slp_tasklet_release(b);
    slp_channel_release(p.ping);
    slp_channel_release(p.pong);
    return r;
}

/* ------------------------------------------------ boxes between threads */

/* Box header (js/values.js has the layout): kind, origin thread, ref, len,
 * next, aux; then len bytes. */
enum { BOX_ORIGIN = 1, BOX_NEXT = 4 };
#define MAX_ORIGINS 1024

static uint32_t returned[MAX_ORIGINS]; /* per origin thread: a stack of boxes */

/* A box whose original lives on another thread goes back there. */
API void slp_js_box_return(uint32_t *box) {
    uint32_t *head = &returned[(uint32_t)box[BOX_ORIGIN] % MAX_ORIGINS];
    uint32_t old = __atomic_load_n(head, __ATOMIC_RELAXED);
    do box[BOX_NEXT] = old;
    while (!__atomic_compare_exchange_n(head, &old, (uint32_t)(uintptr_t)box, 1,
                                        __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

/* The boxes returned to this thread (a list through their next field). */
API uint32_t *slp_js_box_take(int thread_id) {
    uint32_t *head = &returned[(uint32_t)thread_id % MAX_ORIGINS];
    if (!__atomic_load_n(head, __ATOMIC_RELAXED)) return NULL;
    return (uint32_t *)(uintptr_t)__atomic_exchange_n(head, 0, __ATOMIC_ACQUIRE);
}

/* ------------------------------------------- threads running JavaScript */

/* Shared by the starting thread and the new one; allocated by JS. */
typedef struct slp_js_boot {
    int32_t state;     /* futex word: 0 starting, 1 running, 2 ended */
    int32_t thread_id; /* the runtime's id of the new thread */
    uint32_t pthread;  /* its pthread_t, for terminate */
    int32_t result;    /* encoded value: the thread's result or error */
    int32_t failed;    /* 1: result is an error */
    int32_t spec;      /* encoded value: what to load and run (JS reads it) */
    char *entry;       /* URL of js/index.js for the new thread to import */
} slp_js_boot;

/* wasm/js_library.js: load js/index.js and the user's module in this worker,
 * then return at once; the work goes on in the worker's event loop. */
extern void slp_js_thread_boot(slp_js_boot *b);

static int js_thread_main(void *arg) {
    slp_js_boot *b = arg;
    b->pthread = (uint32_t)(uintptr_t)pthread_self();
    __atomic_store_n(&b->state, 1, __ATOMIC_SEQ_CST);
    emscripten_futex_wake(&b->state, INT_MAX);
    slp_js_thread_boot(b);
    /* Leave the C stack, keep the worker (and this pthread) alive. */
    emscripten_unwind_to_js_event_loop();
    return 0;
}

API int slp_js_thread_start(slp_js_boot *b) {
    return slp_thread_start(&b->thread_id, js_thread_main, b);
}

/* On the thread itself, from JS, when its work is done: the scheduler ends
 * (slp_thread_exit), the starter is told through b->state, the pthread
 * exits and its worker goes back to Emscripten's pool. */
API void slp_js_thread_finish(slp_js_boot *b) {
    slp_thread_exit();
    __atomic_store_n(&b->state, 2, __ATOMIC_SEQ_CST);
    emscripten_futex_wake(&b->state, INT_MAX);
    pthread_exit(NULL);
}

/* After b->state became 2: free the runtime's record of the thread. */
API int slp_js_thread_join(slp_js_boot *b) {
    int result;
    return slp_thread_join(b->thread_id, &result);
}

/* The worker was terminated by its owner (DESIGN-NOTES trap 4): Emscripten
 * forgets the pthread, and the runtime marks the thread dead (its tasklets
 * get thread_id -1).  Main browser thread only. */
API int slp_js_thread_killed(slp_js_boot *b) {
#ifdef __EMSCRIPTEN_PTHREADS__
    if (b->pthread) pthread_kill((pthread_t)(uintptr_t)b->pthread, SIGKILL);
#endif
    __atomic_store_n(&b->state, 2, __ATOMIC_SEQ_CST);
    return slp_thread_mark_dead(b->thread_id);
}


/* ------------------------------------------------ select from JavaScript */

/* slp_select for JS code (no 64-bit integers without BigInt): timeout in
 * milliseconds, < 0 for none (SLP_FOREVER).  cases: slp_select_case[n]
 * in the heap, 16 bytes each (ch, dir, value, err). */
API int slp_js_select(slp_select_case *cases, int n, double timeout_ms) {
    uint64_t ns = timeout_ms < 0 || timeout_ms >= 1e13 ? SLP_FOREVER
                                                      : (uint64_t)(timeout_ms * 1e6);
    return slp_select(cases, n, ns);
}
