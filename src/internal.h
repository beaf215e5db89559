/*
 * internal.h -- the runtime's shared structures and the variant interface.
 *
 * Locking: one process-wide lock (slp__lock) guards every run queue, channel
 * queue, handle slot and tasklet field that another thread may touch.  It is
 * held only for the bookkeeping of an operation, never across a switch or a
 * tasklet's own code.  Stackless serialises the same work with its GIL.
 *
 * Switching: a thread's main tasklet is the thread's own stack.  Every other
 * tasklet runs inside slp__loop(), which main enters when it switches away and
 * which returns when main is chosen again.  A non-main tasklet that switches
 * goes back to the loop (the variant's ctx_suspend), and the loop resumes the
 * next one (ctx_resume).  So one loop per thread, no nested loops.
 */
#ifndef SLP_INTERNAL_H
#define SLP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "stackless.h"

typedef struct slp__tasklet slp__tasklet;
typedef struct slp__channel slp__channel;
typedef struct slp__thread slp__thread;

/* ------------------------------------------------------------ variants */

/* Per-tasklet saved context: the variant's own layout. */
typedef struct slp__ctx {
    void *stack;      /* native: the tasklet's stack; wasm: saved shadow slice */
    size_t stack_size;
    void *sp;         /* native: saved stack pointer; wasm: saved __stack_pointer */
    void *data;       /* wasm: saved Asyncify data (exact size) */
    size_t data_size;
    void *san_fiber;  /* TSan fiber, native sanitizer builds */
#if defined(__wasm__)
    size_t stack_cap, data_cap; /* wasm: the blocks' allocated sizes */
#endif
} slp__ctx;

/* Per-thread state of the switch variant. */
typedef struct slp__thread_ctx slp__thread_ctx;

/* switch_*.c: start, resume and suspend tasklets. */
int slp__ctx_thread_init(slp__thread *th);      /* on the thread itself */
void slp__ctx_thread_free(slp__thread *th);
/* Run t (start it or continue it) until it suspends or its function returns.
 * Called only from slp__loop, on the main tasklet's stack. */
void slp__ctx_resume(slp__thread *th, slp__tasklet *t);
/* From inside t: go back to the loop; returns when t is resumed. */
void slp__ctx_suspend(slp__thread *th, slp__tasklet *t);
/* Throw away t's saved state (it will never be resumed). */
void slp__ctx_free(slp__tasklet *t);
/* 1 if t's saved state holds addresses of its thread (see "C state"). */
int slp__ctx_has_cstate(const slp__tasklet *t);

/* sync_*.c: the lock, sleeping, threads. */
extern const int slp__have_threads; /* 0: single-threaded build */
void slp__lock(void);
void slp__unlock(void);
int slp__sync_thread_init(slp__thread *th);
void slp__sync_thread_free(slp__thread *th);
/* With the lock held: wait until th->wake_seq != seen (or a short spin saw
 * it change).  Releases the lock while waiting. */
void slp__thread_sleep(slp__thread *th, uint32_t seen);
/* Without the lock: poll th->wake_seq until it is not seen, for up to
 * SLP_SPIN_US (50 us; none in the one-thread builds), the spin that
 * slp__thread_sleep makes before it sleeps. */
void slp__thread_spin(slp__thread *th, uint32_t seen);
/* Whether slp__thread_spin spins at all (SLP_SPIN_US is not 0). */
int slp__thread_spins(void);
/* With the lock held, after wake_seq was bumped (seq-cst): signal th's
 * sleep (the variant's half of a wake). */
void slp__sync_wake(slp__thread *th);
/* Without the lock: th is stopped (slp_thread_stop) and holds nothing;
 * say so in th->parked and wait for the end of the OS thread.  Never
 * returns. */
void slp__thread_park(slp__thread *th);
/* Start an OS thread running slp__thread_main(th). */
int slp__os_thread_start(slp__thread *th);
int slp__os_thread_join(slp__thread *th);
/* futex_*.c: wait while *word == expected (spurious returns allowed),
 * wake up to count waiters; and a relax hint for spin loops. */
void slp__futex_wait(volatile uint32_t *word, uint32_t expected);
void slp__futex_wake(volatile uint32_t *word, int count);
void slp__cpu_relax(void);
/* Called where a thread polls without sleeping (schedule() with nothing
 * else to run): serve what other threads wait for from this one. */
void slp__idle_poll(void);
/* Thread-local current thread pointer (read it inline: slp__self). */
extern __thread slp__thread *slp__tls;
slp__thread *slp__tls_get(void);
void slp__tls_set(slp__thread *th);

/* ------------------------------------------------------------ tasklets */

enum { SLP__HK_FREE = 0, SLP__HK_TASKLET, SLP__HK_CHANNEL };

struct slp__tasklet {
    uint32_t handle;
    int urefs;            /* references held by users of the handle */
    slp__thread *thread;  /* NULL: its thread died (thread_id -1) */
    /* Position in the run ring or a channel queue (never both). */
    slp__tasklet *next, *prev;
    slp__channel *chan;   /* channel blocked on, or NULL */
    int8_t blocked;       /* 0, -1 receiving, +1 sending */
    uint8_t in_ring;
    uint8_t is_main;
    uint8_t started;      /* its function was entered */
    uint8_t has_frame;    /* bound with a frame: alive if thread too */
    uint8_t ended;        /* the function returned (or was killed) */
    uint8_t death_kill;   /* killed once already by its thread's end */
    uint8_t is_watchdog;  /* sitting in slp_run() */
    uint8_t block_trap;   /* a channel action that would block fails */
    uint8_t atomic;       /* not pre-empted (preempt.c) */
    uint8_t ignore_nesting; /* stored for Stackless parity (preempt.c) */
    uint8_t pending_irq;  /* an interrupt waits for it (preempt.c) */
    uint8_t waiting;      /* SLP__WAIT_*: parked in timer.c, in no queue */
    uint8_t set_aside;    /* on its thread's list `ended`, not `bound` */
    int timer_pos;        /* 1 + index in its thread's timer heap, or 0 */
    int wait_fd;          /* SLP__WAIT_FD: the fd, its events, and what */
    short wait_events, wait_revents; /* poll found (0: not yet) */
    struct slp__select *sel; /* select.c: its select (owner), or a stub's */
    volatile int in_flight; /* being suspended: not resumable yet */
    slp_func fn;
    void *arg;
    int result;           /* fn's return value */
    /* Transfer slot (Stackless's tempval). */
    void *xfer_value;
    int xfer_err;         /* error to return from the blocking call */
    int send_err;         /* error a blocked sender passes (send_throw) */
    /* List of tasklets bound to the thread. */
    slp__tasklet *bnext, *bprev;
    slp__ctx ctx;
};

/* A hint: a field written under the lock (by any thread) and read without
 * it by its owner, where a stale value only delays what the owner sees.
 * Native: relaxed atomics (plain moves on x86, and what TSan checks);
 * wasm: plain accesses, because there every atomic store is a locked
 * instruction, and no sanitizer runs. */
#if defined(__wasm__)
#define SLP__HINT_STORE(p, v) (*(volatile __typeof__(*(p)) *)(p) = (v))
#define SLP__HINT_LOAD(p) (*(volatile __typeof__(*(p)) *)(p))
#else
#define SLP__HINT_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define SLP__HINT_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#endif

/* xfer_err is written under the lock by any thread, and read without it by
 * the owner right after a switch (the common case, nothing thrown): every
 * write is atomic. */
static inline void slp__set_err(slp__tasklet *t, int err) {
    __atomic_store_n(&t->xfer_err, err, __ATOMIC_RELAXED);
}

/* timer.c.  A waiting tasklet is in no run ring and no channel. */
enum { SLP__WAIT_SLEEP = 1, SLP__WAIT_FD = 2, SLP__WAIT_SELECT = 3 };
struct slp__timer {
    uint64_t deadline, seq;
    slp__tasklet *t;
};
uint64_t slp__now_ns(void);   /* CLOCK_MONOTONIC */
/* Take t (a waiter) out of the heap and fd list; it is not queued.  Lock
 * held. */
void slp__wait_cancel(slp__tasklet *t);
/* Queue the waiters whose deadline passed (SLP_ETIMEDOUT for fd waits)
 * and, if fds too, those whose fd is ready (a poll without waiting).
 * Lock held. */
void slp__waits_poll(slp__thread *th, int fds_too);
/* Nothing is queued and th may block: wait for the nearest deadline, a
 * ready fd or a wake from another thread, then queue what is due.  Lock
 * held (released while waiting). */
void slp__waits_idle(slp__thread *th);
/* Drop th's heap and list (its waiters were cancelled).  Lock held. */
void slp__waits_free(slp__thread *th);
/* A wait (slp_sleep, slp_wait_fd, select.c, js_await.c): room in th's
 * heap first (ENOMEM), then park t (th's current) as kind until deadline
 * (absolute; SLP__NEVER: none); SLP__WAIT_FD also joins th's fd list
 * (slp_wait_fd made room and set t's wait fields).  Lock held. */
#define SLP__NEVER UINT64_MAX /* no deadline: in no timer, as a channel block */
/* In the heap but never due: a wait for a promise (js_await.c, the JS
 * tasklets' await), so its thread counts as waiting for time and is never
 * called deadlocked while the promise may settle. */
#define SLP__NOT_DUE (SLP__NEVER - 1)
int slp__timer_reserve(slp__thread *th);
void slp__wait_park(slp__thread *th, slp__tasklet *t, int kind, uint64_t deadline);
uint64_t slp__deadline_after(uint64_t ns);
/* js_await.c: end t's slp_sleep now (it returns 0) and wake its thread;
 * no-op if t does not sleep.  Lock held. */
void slp__sleep_end(slp__tasklet *t);
/* Sleep until slp__sleep_end, a kill or a throw, counted as a wait for
 * time (a JS tasklet's promise; declared again in wasm/js_bridge.c). */
int slp__sleep_await(void);
/* select.c.  A tasklet in slp_select waits (SLP__WAIT_SELECT) in no channel
 * itself: a stub per case (a slp__tasklet with sel set) stands in each
 * case's channel queue.  A partner (direction dir) that finds a stub at
 * the head calls fire (lock held) after taking the stub's send_err: the
 * select is done (every stub out, the wait over) and the partner goes on
 * with the tasklet it returns, the owner.  unlink takes the owner's stubs
 * out (its wait is cancelled); expired marks a select whose deadline
 * passed, before it is unlinked. */
slp__tasklet *slp__select_fire(slp__tasklet *stub, int dir, void *value, int err,
                               void **out);
void slp__select_unlink(slp__tasklet *owner);
void slp__select_expired(slp__tasklet *owner);
/* next/prev of a select's owner that waits (slp_tasklet_next): its
 * neighbour in its one case's channel queue (a stub's neighbour, whose
 * handle is its owner's), NULL with several cases or none.  Lock held. */
slp__tasklet *slp__select_neighbour(slp__tasklet *owner, int forward);
/* Undo whatever t waits in: a channel or a timer.  Lock held. */
void slp__channel_unlink(slp__tasklet *t);
static inline void slp__unpark(slp__tasklet *t) {
    if (t->blocked)
        slp__channel_unlink(t);
    else if (t->waiting)
        slp__wait_cancel(t);
}
/* poll_*.c: wait until the absolute deadline (UINT64_MAX: none), a ready
 * fd among th's fd waiters (their wait_revents are set), or a wake
 * (wake_seq != seen).  Lock held; released while waiting, never for a
 * deadline already past (a poll that does not wait).  And a wake's half
 * for a thread waiting in poll(). */
extern const int slp__poll_fds; /* 0: slp_wait_fd is SLP_ENOTSUP here */
void slp__poll_wait(slp__thread *th, uint32_t seen, uint64_t deadline);
void slp__poll_kick(slp__thread *th);
void slp__poll_thread_free(slp__thread *th);
/* sync_*.c: slp__thread_sleep with a deadline (absolute, slp__now_ns). */
void slp__thread_sleep_until(slp__thread *th, uint32_t seen, uint64_t deadline);
/* futex_*.c: the same wait with a relative timeout. */
void slp__futex_wait_ns(volatile uint32_t *word, uint32_t expected, uint64_t ns);

/* ------------------------------------------------------------ channels */

struct slp__channel {
    uint32_t handle;
    int urefs;            /* user references; waiters keep it alive too */
    slp__tasklet *head, *tail; /* FIFO of blocked tasklets */
    int balance;
    int8_t preference;
    uint8_t schedule_all;
    uint8_t closing;
};

/* ------------------------------------------------------------- threads */

enum { SLP__TH_ALIVE = 1, SLP__TH_DEAD = 2 };

struct slp__thread {
    /* The first cache line (thread.c allocates the struct 64-aligned): what
     * another thread writes when it hands a tasklet over (the ring and the
     * wake), so that a cross-thread hand-over moves one line of it. */
    _Alignas(64) int id;
    int state;
    slp__tasklet *main;
    slp__tasklet *current;  /* running tasklet */
    slp__tasklet *head;     /* ring position: next to run when current leaves */
    int runcount;
    uint32_t ring_seq;      /* bumped at every append (SLP__HINT_STORE) */
    /* Sleeping (sync_*.c). */
    volatile uint32_t wake_seq;
    volatile uint32_t in_futex; /* sync: the thread may wait in the kernel */
    /* The tasklet blocked here that spins for a wake (scheduler.c:
     * spin_for_wake); a waker that leaves it alone in the ring with nothing
     * else to decide clears it: it runs on without taking the lock.
     * Written under the lock, read by the spinner without it (atomics). */
    slp__tasklet *spinner;
    int sleeping;
    int deadlocked;         /* woken because nothing can wake it */
    /* (Read by a waker; seldom written.) */
    int word_shared;        /* slp_thread_wake_word() gave the word out */
    int switch_trap;
    slp__tasklet **watchdogs; /* tasklets inside slp_run(), innermost last */
    int nwatchdogs, capwatchdogs;
    /* Pre-emption (preempt.c): the interrupt watchdog (Stackless's slot 0
     * of the watchdog list: the outermost slp_run with a timeout) and its
     * run flags; ticks are counted only while it exists. */
    slp__tasklet *interrupt_wd;
    slp__tasklet *interrupted; /* the victim, for interrupt_wd's run */
    int runflags;
    long ticks, watermark, interval;
    /* Owner only: poll_self was alone in the ring at ring_seq poll_seq
     * (seen by schedule(), or by the switch to it; see slp_schedule).
     * (Off the second line: written at switches, and a waker reads that
     * line's word_shared and switch_trap.) */
    slp__tasklet *poll_self;
    uint32_t poll_seq;
    int in_callback;        /* a schedule or channel callback runs */
    int wakes_owed;         /* an atomic tasklet here deferred wakes */
    int wake_deferred;      /* a wake of this thread is held back */
    slp__tasklet *bound;    /* tasklets bound to this thread */
    /* Those of them without a frame, moved off `bound` by its counts
     * (thread.c): a handle keeps an ended tasklet bound, and a JS wrapper
     * holds one until it is collected. */
    slp__tasklet *ended;
    int nbound;             /* on both lists */
    int nonblocking;
    int block_err;          /* why slp__block_slow failed (owner thread only) */
    int act_result;         /* channel.c: action_prepare's outputs */
    slp__tasklet *act_next;
    int joining;            /* in slp_thread_join */
    /* A tasklet whose block the thread waits out in its loop, on main's
     * stack (scheduler.c: idle); set by the thread itself, under the lock. */
    slp__tasklet *loop_sleeper;
    /* Timers and fd waits (timer.c): a binary heap of sleepers ordered by
     * (deadline, seq), and the fd waiters in the order they waited.  Any
     * thread may remove an entry (kill, throw) under the lock. */
    struct slp__timer *timers;
    int ntimers, captimers;
    uint64_t timer_seq;
    slp__tasklet **fdwaits;
    int nfdwaits, capfdwaits;
    uint64_t fd_polled;     /* when the switch hook last polled the fds */
    int wake_efd;           /* poll_native: 1 + eventfd kicked by wakes */
    /* Stopping from outside (slp_thread_stop): asked, then done. */
    volatile int stop_requested;
    volatile uint32_t parked;
    /* Thread start. */
    slp_func start_fn;
    void *start_arg;
    int start_result;
    int started_by_runtime;
    slp__thread *reg_next;  /* registry, in creation order */
    void *os;               /* variant's thread object */
    slp__thread_ctx *ctx;
};

/* Some tasklet of th waits for time or an fd (timer.c).  A hint when read
 * by another thread. */
static inline int slp__has_waits(const slp__thread *th) {
    return SLP__HINT_LOAD(&th->ntimers) + SLP__HINT_LOAD(&th->nfdwaits) != 0;
}

/* ----------------------------------------------------- internal calls */

/* handle.c (call with the lock held) */
uint32_t slp__handle_alloc(void *obj, int kind);
void *slp__handle_get(uint32_t h, int kind);
void slp__handle_free(uint32_t h);
void slp__handle_each(int kind, void (*fn)(void *obj, void *ud), void *ud);
/* The public calls' first step: look handle h of kind up under the lock
 * into p; a bad handle unlocks and returns SLP_EBADHANDLE from the caller. */
#define SLP__LOCKED_GET(p, h, kind)                                          \
    slp__lock();                                                              \
    (p) = slp__handle_get((h), (kind));                                       \
    if (!(p)) {                                                               \
        slp__unlock();                                                        \
        return SLP_EBADHANDLE;                                                \
    }
/* Unlock and return r (the calls' last step). */
static inline int slp__unlock_ret(int r) {
    slp__unlock();
    return r;
}

/* thread.c */
slp__thread *slp__thread_self(void);   /* registers on first use; locks */
/* slp__thread_self, its usual case inline (the calls that switch often).
 * Keep in step with slp__thread_self: a check it makes at every call of
 * the API must be made here too. */
static inline slp__thread *slp__self(void) {
    slp__thread *th = slp__tls;
    return th && th->state == SLP__TH_ALIVE &&
                   !__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)
               ? th
               : slp__thread_self(); /* which also stops a thread asked to */
}
slp__thread *slp__thread_current_locked(void); /* lock held */
slp__thread *slp__thread_find(int id);  /* lock held; NULL if unknown/dead */
slp__thread *slp__thread_first(void);   /* lock held: registry head */
int slp__self_error(void);  /* why slp__thread_self() gave NULL */
void slp__thread_main(slp__thread *th); /* body of runtime-started threads */
void slp__bound_add(slp__thread *th, slp__tasklet *t);
void slp__bound_del(slp__tasklet *t);
/* t gets a frame again: back onto its thread's `bound` list.  Lock held. */
void slp__bound_revive(slp__tasklet *t);
int slp__verbose(void);

/* tasklet.c */
slp__tasklet *slp__tasklet_alloc(slp__thread *th);
/* Free t if nothing holds it any more (no user reference, no frame, in no
 * queue, not a thread's main or current).  Lock held. */
void slp__tasklet_gc(slp__tasklet *t);
void slp__tasklet_drop_frame(slp__tasklet *t); /* lock held */
void slp__tasklet_body(slp__tasklet *t);       /* called by the variant */
int slp__tasklet_prologue(slp__tasklet *t);    /* the parts of the body, for */
void slp__tasklet_epilogue(slp__tasklet *t, int r); /* a variant that splits it */

/* scheduler.c (lock held unless said) */
void slp__ring_append(slp__thread *th, slp__tasklet *t);
void slp__ring_insert_after(slp__thread *th, slp__tasklet *pos,
                            slp__tasklet *t);
void slp__ring_remove(slp__thread *th, slp__tasklet *t);
/* Make t (in th's ring) the one to run, then switch to it.  Unlocks.
 * slp__switch (below) is the same, inline. */
int slp__switch_to(slp__thread *th, slp__tasklet *t);
/* slp__block's slow half: nothing else is queued, or switch_trap is set
 * (may sleep; NULL: fail with th->block_err, lock released, undone). */
slp__tasklet *slp__block_slow(slp__thread *th, slp__tasklet *self);
/* Queue t in its own thread th from another thread and wake th. */
void slp__remote_insert(slp__thread *th, slp__tasklet *t, int first);
void slp__loop(slp__thread *th);  /* no lock */
/* Wake th if it sleeps, counting it awake at once.  Lock held. */
void slp__thread_wake(slp__thread *th);
/* The same for a cross-thread action of the calling thread: deferred while
 * its current tasklet is atomic, until slp__wakes_flush.  Lock held. */
void slp__thread_wake_by(slp__thread *th);
void slp__wakes_flush(slp__thread *me);
void slp__tasklet_ended(slp__thread *th, slp__tasklet *t); /* no lock */
int slp__awake_adjust(int delta); /* lock held */

/* channel.c */
void slp__channel_unlink(slp__tasklet *t); /* lock held: undo a block */
/* t (a select stub) waits in c in direction dir.  Lock held. */
void slp__channel_enqueue(slp__channel *c, slp__tasklet *t, int dir);

/* A tasklet with C state: a saved slice of its thread's stack (wasm), or
 * a non-main tasklet sitting inside slp_run() (a watchdog: Stackless
 * nests the interpreter there, but not for main).  bind and bind_thread
 * refuse it (ECSTATE).  Lock held. */
static inline int slp__cstate(const slp__tasklet *t) {
    return (t->is_watchdog && !t->is_main) ||
           (t->has_frame && slp__ctx_has_cstate(t));
}

/* ------------------------------------------------- hooks (callbacks.c,
 * preempt.c) */

/* Non-zero while any of the hooks below is on (a schedule callback, a
 * timed slp_run, wakes an atomic tasklet held back, waiters for time or
 * fds): the hot paths (switch, schedule, channel action) test this one
 * word and take the slow, out-of-line way only then. */
enum {
    SLP__HOOK_SCHED_CB = 1,
    SLP__HOOK_PREEMPT = 2, /* per timed run */
    SLP__HOOK_DEFER = 4,   /* per thread that owes wakes */
    SLP__HOOK_WAITS = 8    /* per thread with timers or fd waits */
};
extern int slp__hooks;
static inline int slp__hooked(void) {
    return __builtin_expect(SLP__HINT_LOAD(&slp__hooks) != 0, 0);
}
/* At a switch from self to next (lock held): the soft interrupt, the
 * timeslice, the schedule callback (which runs without the lock).
 * Returns the tasklet to switch to instead of next. */
slp__tasklet *slp__switch_hook(slp__thread *th, slp__tasklet *self,
                               slp__tasklet *next);
/* preempt.c: the part of slp__switch_hook for a timed run.  Lock held. */
slp__tasklet *slp__preempt_at_switch(slp__thread *th, slp__tasklet *self,
                                     slp__tasklet *next);
/* A tick (no lock): may pre-empt the caller.  Returns an error thrown into
 * it while it was pre-empted, or 0. */
int slp__tick(slp__thread *th);
/* th is ending: a timed run or held-back wakes end with it.  Lock held. */
void slp__preempt_thread_end(slp__thread *th);
/* A thread's main tasklet was created: the schedule callback's (0, main). */
void slp__sched_cb_main(slp__thread *th);
/* Channel callback (callbacks.c), lock held on entry and return (released
 * while it runs). */
extern slp_channel_callback slp__chan_cb; /* read it under the lock */
void slp__chan_cb_call(slp__thread *th, slp_channel ch, slp__tasklet *t,
                       int sending, int willblock);
/* The soft interrupt at a channel switch that must not be disturbed: the
 * flag moves on to next.  Lock held. */
static inline void slp__soft_irq_pass(slp__tasklet *self, slp__tasklet *next) {
    if (self->pending_irq) {
        self->pending_irq = 0;
        next->pending_irq = 1;
    }
}

/* ------------------------------------------------------- the switch */

/* The switch is inline in the calls that switch often (schedule, channel
 * actions).  In the Asyncify builds every function between the tasklet's
 * own code and suspend is a frame that is saved and restored at each
 * switch, so the fewer, the faster: slp_channel_send is then one frame
 * instead of three (send, action, switch_to).  The variant's suspend and
 * resume are called directly (see slp__loop). */

/* Read and clear what was thrown into t while it waited.  Lock held. */
static inline int slp__take_result(slp__tasklet *t) {
    int err = t->xfer_err;
    if (err) slp__set_err(t, 0);
    return err;
}

/* slp__switch in two halves, so that a caller can decide and begin the
 * switch in a function of its own that never switches (Asyncify does not
 * instrument it: its code and locals are not on the path that is unwound
 * and rewound at every switch), and keep only the second half in the one
 * that does.  The first half returns the caller's result when there is no
 * switch after all (next is self; lock released), else SLP__SWITCHED (lock
 * released), and the caller goes on with slp__switch_away(th, self). */
#define SLP__SWITCHED 1 /* (results are 0 or negative) */
static inline __attribute__((always_inline)) int
slp__switch_begin(slp__thread *th, slp__tasklet *next) {
    slp__tasklet *self = th->current;
    int err;
    if (slp__hooked()) next = slp__switch_hook(th, self, next);
    if (next == self) {
        th->head = self;
        err = slp__take_result(self);
        slp__unlock();
        return err;
    }
    th->current = next;
    th->head = next;
    if (next->in_ring && next->next == next) {
        /* next is alone in the ring: its schedule() may poll without the
         * lock until something is appended (a busy tasklet beside a
         * cross-thread partner: every half round trip ends here). */
        th->poll_self = next;
        th->poll_seq = th->ring_seq;
    }
    /* (A hint store: the unlock publishes it to any thread that finds self
     * afterwards, which it does under the lock; in wasm an atomic store is
     * a locked instruction, one more at every switch.) */
    if (!self->is_main) SLP__HINT_STORE(&self->in_flight, 1);
    slp__unlock();
    return SLP__SWITCHED;
}

static inline __attribute__((always_inline)) int
slp__switch_away(slp__thread *th, slp__tasklet *self) {
    int err;
    if (self->is_main)
        slp__loop(th);
    else
        slp__ctx_suspend(th, self);
    /* Usually nothing was thrown in meanwhile: no lock for that.  (We may
     * be on another thread now, after a bind_thread.) */
    if (!__atomic_load_n(&self->xfer_err, __ATOMIC_ACQUIRE)) return 0;
    slp__lock();
    err = slp__take_result(self);
    slp__unlock();
    return err;
}

static inline __attribute__((always_inline)) int
slp__switch(slp__thread *th, slp__tasklet *next) {
    slp__tasklet *self = th->current;
    int r = slp__switch_begin(th, next);
    return r == SLP__SWITCHED ? slp__switch_away(th, self) : r;
}

/* slp__block's usual case: something else is queued, no trap, nothing
 * thrown in (else slp__block_slow decides). */
static inline int slp__block_fast(const slp__thread *th, const slp__tasklet *self) {
    return th->head && !th->switch_trap &&
           !__atomic_load_n(&self->xfer_err, __ATOMIC_RELAXED);
}

/* The current tasklet has left the ring (blocked or paused): pick what runs
 * next (§3.3: another tasklet, the watchdog, sleep, or deadlock).  Unlocks.
 * Returns the caller's result when it runs again. */

static inline __attribute__((always_inline)) int
slp__block(slp__thread *th, slp__tasklet *self) {
    slp__tasklet *next = slp__block_fast(th, self) ? th->head : slp__block_slow(th, self);
    return next ? slp__switch(th, next) : th->block_err;
}

#define SLP__UNUSED(x) ((void)(x))

#endif
