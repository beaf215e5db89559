/*
 * stackless.h -- Stackless Python's threading model for C and WebAssembly.
 *
 * THE MODEL
 *   A tasklet is a function with its own suspended state: it runs until it
 *   blocks on a channel, yields with slp_schedule(), or returns.  Every OS
 *   thread (every Web Worker) that touches the runtime gets its own scheduler:
 *   a main tasklet (the code that called the runtime first on that thread), a
 *   run queue, and a list of the tasklets bound to it.  Tasklets never move
 *   between threads by themselves (slp_tasklet_bind_thread moves them).
 *   Channels connect tasklets of the same thread or of different threads.
 *
 *   Semantics follow Stackless Python 3.7 (run-queue order, preference, the
 *   rules for blocking, deadlock and thread death); where Stackless relies on
 *   Python, the C equivalent is:
 *     - exceptions are negative error codes.  A tasklet's blocking call
 *       (send, receive, schedule, run, switch) returns the code that was
 *       thrown into it; slp_tasklet_kill() throws SLP_EEXIT ("TaskletExit").
 *       Like any exception it is raised once: a killed tasklet usually ends
 *       by returning, but one that handles it may go on (block, switch,
 *       send a last message, stay paused) until it returns or is killed
 *       again.  A later throw replaces a pending one (a kill included);
 *       an error thrown into a tasklet that runs on another thread is
 *       raised at its next blocking call;
 *     - a tasklet function returns 0, or an error: a negative code other than
 *       SLP_EEXIT is an uncaught error that surfaces from the call the thread's
 *       main tasklet (or the innermost slp_run) is suspended in;
 *     - "C state": in the WebAssembly build a suspended tasklet whose saved
 *       slice of the C shadow stack is not empty holds addresses that belong
 *       to its thread; it cannot be bound to another thread
 *       (SLP_ECSTATE); it is killed when its thread ends (each once, under
 *       a temporary main tasklet that replaces the ended one, as in
 *       Stackless), and when its last reference is released while it is
 *       paused (so its cleanup code runs).  Tasklets whose slice is empty
 *       ("soft") simply stop and can be revived elsewhere.
 *       A tasklet stays soft if the functions on its stack while it waits
 *       have no address-taken locals or arrays and make no variadic calls
 *       (receive into a static or heap slot, not into a local);
 *       slp_tasklet_restorable() tells.
 *       In the native build every tasklet has its own stack and is soft
 *       (built with SLP_NATIVE_STACKS=copy, see stack size, every started
 *       tasklet has C state instead: its saved slice is at its thread's
 *       addresses).
 *       In every build a non-main tasklet inside slp_run() has C state
 *       (Stackless nests its interpreter there);
 *     - pre-emption counts "ticks": calls of slp_tick(), which C code puts
 *       in its long loops, and switches (see PRE-EMPTION at
 *       slp_run_watchdog); code between two ticks is never interrupted;
 *     - callbacks (schedule, channel, error handler) are C functions that
 *       return 0 or an error and must not switch;
 *     - stack size: SLP_STACK_SIZE (environment, bytes; default 256 KiB) is
 *       each tasklet's stack natively and each thread's shared tasklet
 *       region in wasm.  A tasklet that overflows it ends with
 *       SLP_ESTACKDEPTH and its thread goes on: natively at once (a guard
 *       page; its frames are abandoned, so what they held stays held); in
 *       wasm, where every function that moves the stack pointer checks it,
 *       it goes on in a 4 KiB reserve below the region and ends at its next
 *       switch or return; one that runs past the reserve too stops the
 *       program with "tasklet stack overflow past its reserve" before it
 *       writes below the region.
 *       The native build made with the CMake option SLP_NATIVE_STACKS=copy
 *       runs a thread's tasklets on one such stack and copies a suspended
 *       tasklet's frames out to the heap (a few hundred bytes per blocked
 *       tasklet instead of a page of its own stack; a switch copies the
 *       slices, more with depth); a pointer to a suspended tasklet's local
 *       is then not valid while others run.  Not under ASan.
 *
 * HANDLES
 *   Tasklets and channels are 32-bit handles with a generation count; up to
 *   16M objects may be alive at once.  A handle that was released (or never
 *   existed) gives SLP_EBADHANDLE, never a crash, also after its slot was
 *   reused (slots are reused oldest first, and only while 64K are free).
 *   A handle made by the _new and _create calls holds a reference: release
 *   it with slp_tasklet_release / slp_channel_release.  A running, queued
 *   or blocked tasklet keeps itself alive until it ends, so releasing early
 *   is fine.  slp_getcurrent() and friends return borrowed handles; retain
 *   one (a main tasklet too) to keep it valid after it ends.
 *
 * ERRORS
 *   Every function that can fail returns 0 (or a count / a boolean) on
 *   success and a negative SLP_E* code on failure; slp_strerror() gives the
 *   message (Stackless's own wording where it has one).  User error codes
 *   for slp_tasklet_throw / slp_channel_send_throw are <= SLP_EUSER.
 *
 * EXAMPLE
 *   static int echo(void *arg) {
 *       slp_channel ch = *(slp_channel *)arg;
 *       void *v;
 *       while (slp_channel_receive(ch, &v) == 0)
 *           printf("got %s\n", (char *)v);
 *       return 0;                       // killed: SLP_EEXIT, end quietly
 *   }
 *   int main(void) {
 *       slp_channel ch; slp_tasklet t;
 *       slp_channel_new(&ch);
 *       slp_tasklet_create(&t, echo, &ch);   // bound and scheduled
 *       slp_channel_send(ch, "hello");       // echo runs now (preference -1)
 *       slp_tasklet_kill(t, 0);
 *       slp_tasklet_release(t); slp_channel_release(ch);
 *       return 0;
 *   }
 */
#ifndef STACKLESS_H
#define STACKLESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- errors */

/* XX(name, code, message): one table gives the enum, slp_strerror and
 * slp_err_name. */
#define SLP_ERRNO_MAP(XX)                                                      \
    XX(EINVAL, -1, "invalid argument")                                         \
    XX(EBADHANDLE, -2, "invalid, released or wrong kind of handle")            \
    XX(ENOMEM, -3, "out of memory")                                            \
    XX(EEXIT, -4, "TaskletExit: the tasklet was killed")                       \
    XX(EDEADLOCK, -5, "Deadlock: the last runnable tasklet cannot be blocked.") \
    XX(ECLOSED, -6, "Send/receive operation on a closed channel")              \
    XX(ENOTHREAD, -7, "tasklet has no thread")                                 \
    XX(EOTHERTHREAD, -8, "can't switch to a different thread.")                \
    XX(EBLOCKED, -9, "You cannot run a blocked tasklet")                       \
    XX(EDEAD, -10, "You cannot run an unbound(dead) tasklet")                  \
    XX(EREMOVEBLOCKED, -11, "You cannot remove a blocked tasklet.")            \
    XX(EREMOVECURRENT, -12, "The current tasklet cannot be removed.")          \
    XX(ETHROWDEAD, -13, "You cannot throw to a dead tasklet")                  \
    XX(EBINDCURRENT, -14, "can't (re)bind the current tasklet")                \
    XX(ESCHEDULED, -15, "tasklet is scheduled")                                \
    XX(ECSTATE, -16, "tasklet has C state on its stack")                       \
    XX(EUNBINDMAIN, -17, "can't unbind the main tasklet")                      \
    XX(EALIVE, -18, "tasklet is alive")                                        \
    XX(ENOTBOUND, -19, "the tasklet was not bound to a function")              \
    XX(ERUNNABLE, -20, "can't (re)bind a runnable tasklet")                    \
    XX(EBADTHREAD, -21, "bad thread")                                          \
    XX(ETHREADINIT, -22, "Target thread isn't initialized")                    \
    XX(ENOSENDER, -23,                                                         \
       "the main tasklet is receiving without a sender available.")            \
    XX(ENORECEIVER, -24,                                                       \
       "the main tasklet is sending without a receiver available.")            \
    XX(EBLOCKTRAP, -25, "this tasklet does not like to be blocked.")           \
    XX(ESWITCHTRAP, -26, "switch_trap")                                        \
    XX(ENOTSUP, -27, "not supported in this build")                            \
    XX(ESTACKDEPTH, -28, "tasklet stack overflow (see SLP_STACK_SIZE)")        \
    XX(EWOULDBLOCK, -29,                                                       \
       "the thread would have to sleep, and this thread may not block")        \
    XX(ETHREAD, -30, "could not start a thread")                               \
    XX(ECALLBACK, -31, "Recursive channel call due to callbacks!")          \
    XX(ETIMEDOUT, -32, "the wait timed out")                               \
    XX(EREJECTED, -33, "the JavaScript promise was rejected")              \
    XX(ENOLOOP, -34, "no JavaScript event loop can settle a promise here")

typedef enum {
    SLP_OK = 0,
#define SLP__ERR_ENUM(name, code, msg) SLP_##name = code,
    SLP_ERRNO_MAP(SLP__ERR_ENUM)
#undef SLP__ERR_ENUM
    SLP_EUSER = -1000 /* first user error code; user codes are <= this */
} slp_errno;

/* The message for code, Stackless's wording where it has one.  Never NULL. */
const char *slp_strerror(int code);
/* "SLP_ECLOSED" for SLP_ECLOSED, "SLP_EUSER" for user codes. */
const char *slp_err_name(int code);

/* --------------------------------------------------------------- handles */

typedef uint32_t slp_tasklet; /* 0 is never a valid tasklet */
typedef uint32_t slp_channel; /* 0 is never a valid channel */

/* A tasklet's function: return 0, or a negative error (see THE MODEL). */
typedef int (*slp_func)(void *arg);

/* ------------------------------------------------------------- tasklets */

/* A new tasklet, bound to the calling thread, with no function: not alive.
 * Errors: ENOMEM. */
int slp_tasklet_new(slp_tasklet *out);
/* new + bind(fn, arg) + setup: alive and at the end of this thread's run
 * queue, like stackless.tasklet(f)(arg).  Errors: EINVAL, ENOMEM. */
int slp_tasklet_create(slp_tasklet *out, slp_func fn, void *arg);
/* Drop the caller's reference.  A tasklet that is still queued or blocked
 * lives on until it ends.  When the last reference goes, a paused tasklet
 * without C state is dropped without running anything (warned in verbose
 * mode); one with C state is killed first, from here (another thread's:
 * pending), up to 10 times while it stays alive, and kept if it survives
 * (Stackless's tasklet dealloc).  Errors raised into the caller meanwhile
 * are lost, as in Stackless.  Errors: EBADHANDLE, EINVAL (no reference). */
int slp_tasklet_release(slp_tasklet t);
/* Take one more reference (each holder releases its own).  Works on a main
 * tasklet too: it then outlives its thread (thread_id -1, not alive).
 * Errors: EBADHANDLE. */
int slp_tasklet_retain(slp_tasklet t);

/* bind(fn): store fn/arg and throw away any suspended state without running
 * it; the tasklet is then not alive.  fn == NULL unbinds (bind(None)).
 * Errors, checked in Stackless's order: EBINDCURRENT, ESCHEDULED, ECSTATE,
 * EUNBINDMAIN. */
int slp_tasklet_bind(slp_tasklet t, slp_func fn, void *arg);
/* bind(fn, args): bind, then make it alive but paused (not queued).
 * fn == NULL: the function bound before, with the new arg (Stackless's
 * bind(None, args)); ENOTBOUND if there is none. */
int slp_tasklet_bind_args(slp_tasklet t, slp_func fn, void *arg);
/* setup(): make a bound tasklet alive and append it to its own thread's run
 * queue (without waking that thread).  Errors: EALIVE, ENOTBOUND, ENOTHREAD. */
int slp_tasklet_setup(slp_tasklet t);

/* insert(): append to its own thread's run queue (no-op if queued) and wake
 * that thread.  Errors: EBLOCKED, ETHREADINIT (thread gone), EDEAD. */
int slp_tasklet_insert(slp_tasklet t);
/* remove(): take it out of its thread's run queue: paused.  No-op if not
 * queued or its thread is gone.  Errors: EREMOVEBLOCKED, EREMOVECURRENT. */
int slp_tasklet_remove(slp_tasklet t);
/* run(): same thread: insert if needed and switch to it; the caller stays
 * queued and resumes in its turn.  Other thread: queue it there (first if
 * that thread is idle, else right after its current) and return.
 * Returns what was thrown into the caller meanwhile, or 0.
 * Errors: EBLOCKED, EDEAD, ENOTHREAD, ESWITCHTRAP. */
int slp_tasklet_run(slp_tasklet t);
/* switch(): like run, but the caller is paused (leaves the run queue).
 * Errors: as run, and EOTHERTHREAD for a tasklet of another thread. */
int slp_tasklet_switch(slp_tasklet t);
/* kill(pending): throw SLP_EEXIT into t (raised once, see THE MODEL).  Not
 * alive: no-op.  Blocked: it is taken off its channel first.  Same thread
 * and !pending: t runs now and the call returns when the caller's turn
 * comes.  Another thread: always pending; that thread is woken.  A tasklet
 * of a dead thread just ends (its frame is dropped: nothing runs).
 * Killing the current tasklet returns SLP_EEXIT to the caller.
 * Errors: as throw. */
int slp_tasklet_kill(slp_tasklet t, int pending);
/* throw(err, value, pending): as kill, with any error code err < 0; the
 * tasklet's blocking call returns err (value is what slp_tasklet_value then
 * gives).  A failed throw changes nothing.  Errors: EINVAL (err >= 0),
 * ETHROWDEAD (ended; SLP_EEXIT there is a no-op), ENOTHREAD (its thread
 * died: any err, SLP_EEXIT included -- only kill ends it), ESWITCHTRAP. */
int slp_tasklet_throw(slp_tasklet t, int err, void *value, int pending);
/* bind_thread(thread_id): attach t to that thread (0 or -1: the caller's)
 * without queuing it.  Allowed for paused and blocked tasklets and for
 * tasklets of dead threads.  Errors: ERUNNABLE, ECSTATE, EBADTHREAD. */
int slp_tasklet_bind_thread(slp_tasklet t, int thread_id);

/* Queries: 1 or 0, or a negative error (EBADHANDLE). */
int slp_tasklet_alive(slp_tasklet t);     /* has a frame and a live thread */
int slp_tasklet_paused(slp_tasklet t);    /* alive, neither queued nor blocked */
int slp_tasklet_scheduled(slp_tasklet t); /* in a run queue or a channel */
int slp_tasklet_is_main(slp_tasklet t);   /* main of its own thread */
int slp_tasklet_is_current(slp_tasklet t);/* current of its own thread */
int slp_tasklet_restorable(slp_tasklet t);/* has no C state (see THE MODEL) */
/* 0 = not blocked, SLP_BLOCKED_RECEIVING or SLP_BLOCKED_SENDING. */
enum { SLP_BLOCKED_RECEIVING = 1, SLP_BLOCKED_SENDING = 2 };
int slp_tasklet_blocked(slp_tasklet t);
/* Id of the owning thread, -1 once that thread has died.  (Handle errors
 * are reported as SLP_EBADHANDLE, which is < -1.) */
int slp_tasklet_thread_id(slp_tasklet t);
/* The value that came with the last error thrown into t (or NULL). */
void *slp_tasklet_value(slp_tasklet t);
/* The value the tasklet's function returned, once it has ended. */
int slp_tasklet_result(slp_tasklet t);
/* block_trap: while set on a tasklet, a channel action of it that would
 * block fails with EBLOCKTRAP instead (one that finds a partner works).
 * set_block_trap returns the old flag (or EBADHANDLE). */
int slp_tasklet_block_trap(slp_tasklet t);
int slp_tasklet_set_block_trap(slp_tasklet t, int on);
/* tempval, the transfer slot: the value a blocked receiver got, a blocked
 * sender's value, what slp_schedule_value returns, the value thrown with
 * an error.  (slp_tasklet_value reads the same slot.)  set: EBADHANDLE. */
void *slp_tasklet_tempval(slp_tasklet t);
int slp_tasklet_set_tempval(slp_tasklet t, void *value);
/* next/prev: t's neighbours in its run queue (a ring through main: the
 * only other tasklet has next == prev == main) or in the channel queue it
 * waits in (from slp_channel_queue on; the first's prev and the last's
 * next are 0), a select of one case (a channel action with a timeout)
 * included.  0 when t is in neither, or a bad handle, or t waits in a
 * select of several cases: it stands in several queues at once (it is
 * its neighbours' next/prev in each) and a handle cannot say which one a
 * walk is in, so a walk through next ends there rather than go on in
 * another channel's queue (slp_channel_balance says how many wait).
 * Borrowed. */
slp_tasklet slp_tasklet_next(slp_tasklet t);
slp_tasklet slp_tasklet_prev(slp_tasklet t);
/* atomic: while set, t is not pre-empted (see PRE-EMPTION); set returns
 * the old flag.  Clearing it with an interrupt pending makes the
 * interrupt come at the next tick.  Errors: EBADHANDLE. */
int slp_tasklet_atomic(slp_tasklet t);
int slp_tasklet_set_atomic(slp_tasklet t, int on);
/* ignore_nesting: Stackless lets such a tasklet be pre-empted with C
 * state on its stack; here nothing ever prevents that (every tasklet can
 * switch from any depth), so the flag is only kept.  set returns the old. */
int slp_tasklet_ignore_nesting(slp_tasklet t);
int slp_tasklet_set_ignore_nesting(slp_tasklet t, int on);
/* nesting_level: 1 if t has C state (a saved slice of its thread's stack
 * in wasm, or t sits inside slp_run), else 0.  restorable is its negation
 * (and 0 for a main tasklet, whose stack is the thread's). */
int slp_tasklet_nesting_level(slp_tasklet t);

/* ------------------------------------------------------------ scheduler */

/* Run this thread's scheduler: the caller leaves the run queue and the other
 * tasklets run until none is runnable (a tasklet that blocks on a channel of
 * another thread counts as not runnable).  Returns 0, or the error of a
 * tasklet that ended with an uncaught error, or the error the last runnable
 * tasklet blocked with (send_throw; that one stays blocked with it).
 * Nests: the innermost caller is woken first; a caller that is woken (or
 * inserted by hand) while deeper slp_run callers still wait puts those
 * back in the run queue, so each of them returns in its turn.
 * Errors: ESWITCHTRAP, ENOMEM. */
int slp_run(void);
/* PRE-EMPTION: run(timeout, threadblock, soft, ignore_nesting,
 * totaltimeout).  A "tick" is one call of slp_tick() -- put it in long
 * loops of C code, as Go's compiler puts pre-emption checks there -- or a
 * switch between two tasklets (schedule() alone counts too).  Ticks are
 * counted only while a timed run is active on the thread.  With timeout > 0 the outermost such run is the
 * interrupt watchdog (an inner one's timeout counts as 0, and its flags
 * are ignored): when a tasklet has used more than timeout ticks in a row
 * (since its last switch; with SLP_RUN_TOTALTIMEOUT, since the run
 * began), it is interrupted at that tick: control goes to the watchdog
 * (any deeper slp_run callers are put back in the queue) and its run
 * returns 0 with *interrupted = the victim, taken out of the run queue
 * (paused) and holding a reference for the caller (insert or kill it,
 * then release it).  The interrupted tasklet's tick returns when it is
 * resumed (a switch that is due interrupts a tasklet that stays queued --
 * schedule, run, a channel handover -- after its action; a blocking one
 * only counts).  SLP_RUN_SOFT: nobody is interrupted; at the next switch away
 * from the tasklet that timed out the watchdog runs first, and its run
 * returns 0 with *interrupted = 0.  An interrupt waits while the tasklet
 * is atomic, a callback runs, or switch_trap is set.
 * SLP_RUN_THREADBLOCK: when nothing is runnable the thread sleeps until
 * another thread queues something (instead of returning), as long as some
 * other thread could do that.  SLP_RUN_IGNORE_NESTING changes nothing here
 * (no tasklet is ever too nested to be pre-empted).  An uncaught error of
 * any tasklet is returned by the innermost run.  interrupted may be NULL.
 * Errors: as slp_run, EINVAL for unknown flags or timeout < 0. */
enum {
    SLP_RUN_THREADBLOCK = 1,
    SLP_RUN_SOFT = 2,
    SLP_RUN_IGNORE_NESTING = 4,
    SLP_RUN_TOTALTIMEOUT = 8
};
int slp_run_watchdog(long timeout, int flags, slp_tasklet *interrupted);
/* One tick (see PRE-EMPTION): returns at once unless the caller is
 * interrupted; then it returns when the caller is resumed, with 0 or an
 * error thrown into it meanwhile. */
int slp_tick(void);
/* Yield: the caller goes to the end of the run queue.  Returns 0 or an error
 * thrown into the caller while it waited. */
int slp_schedule(void);
/* Yield and leave the run queue (paused) until someone inserts the caller.
 * With nothing else runnable, main (or the innermost run() caller, the
 * watchdog) is revived: when that is the caller it returns 0 at once, still
 * queued.  A revived watchdog returns what the tasklet that blocked last
 * was sending with send_throw, as slp_run and slp_tasklet_switch do.
 * Errors: ESWITCHTRAP if it would switch (reviving main is a switch; the
 * caller stays queued), EDEADLOCK. */
int slp_schedule_remove(void);
/* schedule(retval) / schedule_remove(retval): set the caller's tempval to
 * retval, yield as above, and on return store its tempval (retval, unless
 * someone set it meanwhile) in *out (may be NULL).  Returns as the above. */
int slp_schedule_value(void *retval, void **out);
int slp_schedule_remove_value(void *retval, void **out);
slp_tasklet slp_getcurrent(void); /* borrowed */
slp_tasklet slp_getmain(void);    /* borrowed */
/* Tasklets in this thread's run queue, the current one included. */
int slp_getruncount(void);
/* switch_trap(delta): add delta to this thread's trap, return the old value.
 * While it is non-zero a switch to another tasklet fails with ESWITCHTRAP
 * and changes nothing.  A block that would deadlock fails with EDEADLOCK
 * first: there is no switch to refuse. */
int slp_switch_trap(int delta);

/* An uncaught tasklet error goes to handler first, run in the dying
 * tasklet: return 0 to swallow it, or an error to pass on.  Returns the old
 * handler.  Process-wide, like Stackless's.  The handler must not block or
 * switch (in the wasm builds it runs outside the tasklet's switchable
 * frames). */
typedef int (*slp_error_handler)(slp_tasklet t, int err);
slp_error_handler slp_set_error_handler(slp_error_handler handler);

/* CALLBACKS, process-wide like Stackless's; each set call returns the old
 * one, NULL clears.  They run on the thread that acts, must not switch
 * (a switch inside one fails with ESWITCHTRAP), and return 0 or an error,
 * which is reported (stderr) and ignored, as Stackless prints and ignores
 * an exception in them.
 * The schedule callback runs at every switch between two different
 * tasklets, before it: prev is then still current (slp_getcurrent); a
 * tasklet that ended is prev on its last switch.  It also runs once with
 * prev == 0 when a thread's main tasklet is created. */
typedef int (*slp_schedule_callback)(slp_tasklet prev, slp_tasklet next);
slp_schedule_callback slp_set_schedule_callback(slp_schedule_callback cb);
slp_schedule_callback slp_get_schedule_callback(void);
/* The channel callback runs at every send and receive: before the action
 * when the partner (if any) is on the same thread -- the sender's tempval
 * is then the value being sent -- and after it when the partner is on
 * another thread.  sending: 1 or 0; willblock: 1 if no partner waits.  A
 * channel action inside it fails with ECALLBACK.  t is the tasklet that
 * acts: a tasklet whose blocked action a partner completes is not told
 * again.  slp_select (and a channel action with a timeout) acts as the
 * plain actions: a ready case is its send or receive (willblock 0); a
 * select that waits reports, before it waits, a block on each case in
 * array order (willblock 1, a send case's value as tempval), n calls for
 * n cases, and nothing when a partner then does one of them (the
 * partner's own action is reported); a closed case chosen reports its
 * block, then the select fails with ECLOSED, as a plain action on it
 * does.  A select that does not wait (timeout 0, or a deadline already
 * past, and nothing ready) reports nothing.  A select inside the callback
 * that would act or wait fails with ECALLBACK. */
typedef int (*slp_channel_callback)(slp_channel ch, slp_tasklet t,
                                    int sending, int willblock);
slp_channel_callback slp_set_channel_callback(slp_channel_callback cb);
slp_channel_callback slp_get_channel_callback(void);

/* -------------------------------------------------------------- threads */

/* This thread's id (registering it on first use).  Ids are small positive
 * integers; the first thread that uses the runtime gets 1. */
int slp_thread_id(void);
/* The ids of the threads that have a scheduler: the first (main) thread
 * first, then the others newest first, as stackless.threads.  Writes at most
 * max ids and returns how many threads there are. */
int slp_getthreads(int *ids, int max);
/* main, current and runcount of thread id (-1: the caller).  current is 0
 * when that thread's run queue is empty.  Errors: EBADTHREAD. */
int slp_get_thread_info(int thread_id, slp_tasklet *main,
                        slp_tasklet *current, int *runcount);

/* Start an OS thread (a Web Worker under Emscripten) running fn(arg) as its
 * main tasklet.  Its scheduler exists before this returns, so channels
 * already count it as a possible partner.  When fn returns the thread dies
 * (see slp_thread_exit).  Errors: ENOTSUP (WASI), ETHREAD, ENOMEM. */
int slp_thread_start(int *thread_id, slp_func fn, void *arg);
/* Wait for a thread started with slp_thread_start; its fn's result in
 * *result.  While waiting, the caller does not count as able to wake
 * anyone (so a deadlock between the others is still reported). */
int slp_thread_join(int thread_id, int *result);
/* The calling thread ends its scheduler now: its main tasklet ends (not
 * alive, thread_id -1; valid while retained); queued tasklets never run;
 * tasklets with C state are killed, each once, under a temporary main
 * tasklet (what slp_getmain() gives inside their cleanup); the others stop
 * with thread_id -1 (they can be killed, or revived with bind_thread).
 * Runs by itself when a thread started by the runtime returns, or a
 * pthread that used the runtime exits. */
int slp_thread_exit(void);
/* Ending a thread from outside (a Web Worker terminated by its owner) is
 * safe only while it holds nothing of the runtime's.  slp_thread_stop asks
 * the thread to stop there: at its next call into the runtime, or at once
 * if it sleeps; it then waits for its end.  slp_thread_stopped says whether
 * it has (1) or not yet (0).  Then end the OS thread, and call
 * slp_thread_mark_dead.  Errors: EBADTHREAD (no such live thread, or the
 * caller itself), ENOTSUP (no threads in this build). */
int slp_thread_stop(int thread_id);
int slp_thread_stopped(int thread_id);
/* A thread that ended without running anything (a terminated Web Worker):
 * called by whoever terminated it.  Its tasklets stop with thread_id -1;
 * the one it was running, if any, is dropped (not alive). */
int slp_thread_mark_dead(int thread_id);
/* Process shutdown (Stackless's Py_Finalize step): the other threads' main
 * and current tasklets are killed (pending), given about 1 ms each to
 * unwind, then every tasklet loses its thread. */
int slp_shutdown(void);
/* Count an outside party (a JavaScript event loop holding a channel) as able
 * to wake sleeping threads (+1), or no longer (-1).  Returns the new count. */
int slp_external_hold(int delta);
/* Mark the calling thread as one that may not sleep (a browser main
 * thread): where it would sleep, the call its main tasklet (or innermost
 * slp_run) waits in fails with SLP_EWOULDBLOCK instead (that block is
 * undone, as for a deadlock; other tasklets stay blocked), and the caller
 * waits on slp_thread_wake_word() its own way.  Returns the old flag. */
int slp_thread_set_nonblocking(int flag);
/* Such a thread, about to wait for its wake word with nothing runnable,
 * calls slp_thread_idle(1): it then counts as asleep, like a thread that
 * sleeps inside the runtime (a wake counts it awake at once, and when no
 * thread is left that could wake anybody every sleeper is told).  Returns 1
 * if something is runnable already (do not wait), else 0.  After the wait,
 * slp_thread_idle(0) returns 1 if the wake was that deadlock alarm, else 0. */
int slp_thread_idle(int begin);
/* Tasklets of this thread that another thread could make run: blocked on a
 * channel or queued (main and paused ones excluded). */
int slp_thread_waiting(void);

/* For event loops that may not block (JavaScript): this thread's wake
 * word, which changes whenever another thread queues a tasklet here or
 * wakes it, so a caller can await it (Atomics.waitAsync) and run again. */
const volatile uint32_t *slp_thread_wake_word(void);
/* Tasklets bound to this thread that are alive, main excluded: while it is
 * not 0 some of them wait (or are queued) here. */
int slp_thread_pending(void);

/* ------------------------------------------------------- timers and I/O */

/* TIMERS AND I/O.  A tasklet can wait for time (slp_sleep) or for a file
 * descriptor (slp_wait_fd): only that tasklet parks, outside the run queue
 * and outside any channel; every other tasklet of its thread runs on.
 *
 * Order: waiters whose wait is over rejoin the end of the run queue in
 * deadline order, equal deadlines in the order they slept.  Due waiters are
 * queued at every switch of their thread (so a busy thread still wakes its
 * sleepers; a ready fd is noticed there within about a millisecond), and
 * when nothing else can run the scheduler waits for the nearest deadline,
 * a ready fd or another thread in one call: natively the futex wait with a
 * timeout, or poll() when fds are waited for; in a Web Worker
 * Atomics.wait with a timeout; under WASI one poll_oneoff.
 *
 * Deadlock: a thread with waiting tasklets is never deadlocked.  The last
 * runnable tasklet that blocks on a channel (or main, or a slp_run()) while
 * others wait does not fail: it waits for them.  slp_run() returns only
 * when nothing is queued and nothing waits.  Across threads, a thread whose
 * tasklets wait counts as able to wake others.
 *
 * What a waiter is: alive; slp_tasklet_scheduled 1 (it runs again by
 * itself), slp_tasklet_blocked 0 (no channel), slp_tasklet_paused 0,
 * slp_tasklet_waiting SLP_WAITING_SLEEP or SLP_WAITING_FD, and
 * SLP_STATE_WAITING in slp_snapshot.  insert and run/switch refuse it
 * (EBLOCKED), remove too (EREMOVEBLOCKED), bind (ESCHEDULED), bind_thread
 * (ERUNNABLE).  kill and throw end the wait: it leaves the timer and the
 * call returns the error at once (pending: when its turn comes).  When
 * its thread dies a waiter is soft: it stops where it waits, with thread id
 * -1, and leaves the timer (a tasklet with C state is killed first, as
 * any; then its call returns SLP_EEXIT).
 *
 * Threads that may not sleep (slp_thread_set_nonblocking, the JavaScript
 * main thread) never wait for time in C: where they would, the call main or
 * the innermost slp_run waits in returns SLP_EWOULDBLOCK as usual (other
 * waiters keep waiting), and the event loop asks slp_timer_next() how long
 * to wait: setTimeout(ms = ceil(ns / 1e6)), then run the scheduler again
 * (slp_run or slp_schedule), which queues the waiters that are due; await
 * the wake word too, as other threads may still queue tasklets. */

/* Forever (no timeout). */
#define SLP_FOREVER UINT64_MAX
/* Park the caller for at least ns nanoseconds (CLOCK_MONOTONIC), then
 * queue it at the end of its run queue.  slp_sleep(0) waits for the next
 * look at the timers: a yield that lets earlier sleepers go first.
 * slp_sleep(SLP_FOREVER) ends only by a kill or a throw: it waits as a
 * receive on a channel nobody else holds (run() does not wait for it; with
 * nothing else to run or to wait for, EDEADLOCK).
 * Returns 0, or an error thrown in meanwhile (a kill: SLP_EEXIT).
 * Errors: ENOMEM; EDEADLOCK; EWOULDBLOCK (a nonblocking thread with nothing
 * else to run); ESWITCHTRAP (switch_trap set: refused at once, the wait
 * being a switch). */
int slp_sleep(uint64_t ns);
enum { SLP_FD_READ = 1, SLP_FD_WRITE = 2 };
/* Park the caller until fd is readable (SLP_FD_READ) and/or writable
 * (SLP_FD_WRITE), or timeout_ns have passed (SLP_FOREVER: no timeout).
 * Returns the ready events (> 0; an fd in error or hung up counts as ready
 * for what was asked: the read or write then says what happened), or
 * SLP_ETIMEDOUT, or an error thrown in meanwhile.  Native and WASI builds.
 * Errors: ENOTSUP (Emscripten), EINVAL (fd < 0, bad events), ENOMEM,
 * EWOULDBLOCK, ESWITCHTRAP. */
int slp_wait_fd(int fd, int events, uint64_t timeout_ns);
/* Nanoseconds until this thread's nearest deadline: 0 if one is due, -1 if
 * none (fd waits without a timeout, sleeps of SLP_FOREVER and selects
 * without a timeout have no deadline).
 * For event loops that may not block (see above). */
int64_t slp_timer_next(void);
/* 0 = not waiting, SLP_WAITING_SLEEP, SLP_WAITING_FD or SLP_WAITING_SELECT
 * (in slp_select or a channel action with a timeout; see SELECT).
 * Errors: EBADHANDLE. */
int slp_tasklet_waiting(slp_tasklet t);
enum { SLP_WAITING_SLEEP = 1, SLP_WAITING_FD = 2, SLP_WAITING_SELECT = 3 };

/* ------------------------------------------------------------- channels */

/* A new channel: balance 0, preference -1, open.  Errors: ENOMEM. */
int slp_channel_new(slp_channel *out);
/* Drop the caller's reference; blocked tasklets keep the channel alive. */
int slp_channel_release(slp_channel ch);
/* Take one more reference.  Errors: EBADHANDLE. */
int slp_channel_retain(slp_channel ch);
/* Send value.  With a receiver waiting it is handed over (FIFO) and the
 * preference decides who runs next; otherwise the caller blocks.
 * Errors: ECLOSED, EBLOCKTRAP, EDEADLOCK, ESWITCHTRAP (it would switch;
 * a deadlock comes first), ENOTHREAD (the waiting receiver's thread
 * died), ENORECEIVER, an error thrown into the caller.  A failed action
 * leaves the channel as it was. */
int slp_channel_send(slp_channel ch, void *value);
/* Send an error: the receiver's slp_channel_receive returns err (< 0) and
 * stores value.  Errors: EINVAL if err >= 0, else as send. */
int slp_channel_send_throw(slp_channel ch, int err, void *value);
/* Receive into *value.  Returns 0, an error sent with send_throw, or the
 * errors of send (ENOSENDER instead of ENORECEIVER).  A receiver killed
 * after a value reached it but before it ran again returns SLP_EEXIT with
 * *value set: SLP_EEXIT does not say the transfer failed.  (Likewise a
 * sender may see SLP_EEXIT after its value was delivered.) */
int slp_channel_receive(slp_channel ch, void **value);
/* > 0: that many senders wait; < 0: receivers wait.  Any int is a valid
 * balance, so a bad handle gives SLP_BALANCE_BADHANDLE (INT_MIN). */
#define SLP_BALANCE_BADHANDLE (-2147483647 - 1)
int slp_channel_balance(slp_channel ch);
/* -1 prefer the receiver (default), 1 the sender, 0 neither.  Any value is
 * clamped to its sign.  set returns the old value. */
int slp_channel_preference(slp_channel ch);
int slp_channel_set_preference(slp_channel ch, int preference);
/* schedule_all: after a successful action the caller yields. */
int slp_channel_schedule_all(slp_channel ch);
int slp_channel_set_schedule_all(slp_channel ch, int flag);
/* close(): actions that would block fail with ECLOSED from now on; blocked
 * tasklets stay blocked.  open() undoes it. */
int slp_channel_close(slp_channel ch);
int slp_channel_open(slp_channel ch);
int slp_channel_closing(slp_channel ch); /* 1 after close() */
int slp_channel_closed(slp_channel ch);  /* closing and balance 0 */
/* The first blocked tasklet (borrowed), 0 if none. */
slp_tasklet slp_channel_queue(slp_channel ch);

/* ------------------------------------------------ select and timeouts */

/* SELECT.  slp_select does exactly one of several channel actions (sends
 * and receives mixed), like Go's select, with an optional timeout; the
 * channel actions with a timeout are a select of one case.
 *
 * Choice: the first case in array order that can happen now -- a partner
 * waits on its channel (on any thread), or its channel is closing (below)
 * -- happens.  Not Go's random choice: runs stay reproducible, as
 * everything else in Stackless's scheduling is, and the caller sets the
 * priority (rotate the array for fairness).  The action is the plain
 * send/receive: the channel's preference and schedule_all decide who runs
 * after the hand-over, callbacks run as for it (for a waiting select, see
 * the channel callback at CALLBACKS: one block reported per case).
 *
 * Waiting: when no case can happen the caller waits on every case's
 * channel at once: each balance counts it and slp_channel_queue may show
 * it (Go shows the same).  The first partner to come does its case,
 * from any thread (the preference applies then too); the caller leaves
 * every other channel in the same step.  Meanwhile the tasklet is a
 * waiter (see TIMERS AND I/O): slp_tasklet_waiting SLP_WAITING_SELECT,
 * slp_tasklet_blocked 0, scheduled 1, SLP_STATE_WAITING in slp_snapshot
 * (channel 0); insert, run, remove, bind, bind_thread refuse it as a
 * sleeper.  kill and throw end the wait (it leaves every channel; nothing
 * was sent or received) and the select returns the error.  slp_tasklet_next
 * and prev: its neighbours in its channel's queue for a select of one
 * case, as for a blocked tasklet; 0 for several (see there).
 *
 * Deadlock: a select with a timeout is a sleeper (never deadlocked; others
 * blocking wait for it).  Without one it is blocked: the last runnable
 * tasklet selecting with no partner anywhere fails with SLP_EDEADLOCK, as
 * a receive does, and the select is undone.
 *
 * Closed channels (Stackless's rule, not Go's): a closing channel still
 * completes actions with partners already waiting in it; a case whose
 * channel is closing and has no partner counts as ready and is chosen as
 * any: the select returns SLP_ECLOSED with that case's err set (nothing
 * sent, a receive's value NULL), so a loop can drop the case.  Closing a
 * channel does not wake a select already waiting on it, as close() wakes
 * no blocked tasklet.
 *
 * Values: a receive case's value is written only when that case happens;
 * a select never writes the caller's memory while it waits (a partner
 * writes into the runtime's copy), so cases may live in any memory. */
enum { SLP_SELECT_SEND = 1, SLP_SELECT_RECEIVE = -1 };
typedef struct {
    slp_channel ch;
    int dir;      /* SLP_SELECT_SEND or SLP_SELECT_RECEIVE */
    void *value;  /* send: the value sent; receive: what came (out) */
    int err;      /* out: 0, or the error the case happened with (then
                     also the select's negative return) */
} slp_select_case;
/* Do exactly one of the n cases, waiting for at most timeout_ns
 * (SLP_FOREVER: no limit; 0: never wait, Go's default case).  Returns the
 * index of the case that happened, or a negative error; when a case
 * happened with an error (a receive got one sent with send_throw, the
 * channel is closed, an error was thrown into the caller during its
 * hand-over) that case's err holds it too -- the other cases' err are 0.
 * Errors: ETIMEDOUT (nothing happened in time; with 0, nothing was
 * ready), ECLOSED (above), EINVAL (n <= 0, a bad dir, one channel with
 * cases of both directions), EBADHANDLE, ENOMEM,
 * EDEADLOCK, EBLOCKTRAP, ESWITCHTRAP, ENOTHREAD (the chosen case's partner
 * lost its thread: nothing happened, as for a send), EWOULDBLOCK (as
 * slp_sleep), ECALLBACK, an error thrown in. */
int slp_select(slp_select_case *cases, int n, uint64_t timeout_ns);
/* send / receive that give up after timeout_ns (SLP_FOREVER: never; 0:
 * only if a partner waits now): SLP_ETIMEDOUT, and then nothing was sent
 * or received, the caller is off the channel's queue and its balance is as
 * before.  Otherwise as slp_channel_send / slp_channel_receive (the
 * receive's error sent with send_throw is returned, *value set), except
 * that the waiting caller is a waiter (see SELECT): with a timeout it is
 * never deadlocked; with SLP_FOREVER it fails with EDEADLOCK where a plain
 * action would, also for main (where a plain receive gives ENOSENDER).
 * Errors: as slp_select. */
int slp_channel_send_timeout(slp_channel ch, void *value, uint64_t timeout_ns);
int slp_channel_receive_timeout(slp_channel ch, void **value, uint64_t timeout_ns);

/* ------------------------------------------- JavaScript promises (Emscripten) */

/* JAVASCRIPT PROMISES.  A C tasklet can wait for a JavaScript promise;
 * only that tasklet parks, the thread's others run on.  While it waits it
 * is a sleeper without deadline (slp_tasklet_waiting SLP_WAITING_SLEEP;
 * never deadlocked, nor is its thread).  kill and throw end the wait at
 * once (the promise's outcome is dropped when it comes).
 *
 * Where the function runs: on a thread that returns to its JavaScript
 * event loop (slp_thread_set_nonblocking(1): a page's or Node's main
 * thread, a worker of the npm package started with blocking: false) in
 * that thread's realm, and the event loop settles it.  On a thread that
 * sleeps in C (a worker running C code) in the main thread's realm (the
 * call is queued there): the worker sleeps meanwhile and is woken when it
 * settles; the main thread must return to its event loop (a page's always
 * does; a C program on Node's main thread uses slp_js_run).  A main thread
 * that blocks has no loop: ENOLOOP.  Not main itself on a nonblocking
 * thread: it is the caller the event loop returns to (EWOULDBLOCK). */

/* Call the JavaScript function named fn -- a property of the Emscripten
 * Module object or a global, a dotted path reaching into objects
 * ("api.fetchText") -- with arg (a string; NULL passes undefined), and
 * park the caller until what it returns settles.  fn is called from a task
 * of the event loop of its own, after the caller parked (never inside the
 * caller's C call, so it may use the runtime freely); a thenable is
 * awaited, any other value or an exception settles at once.  0: fulfilled,
 * *result = the value as a malloc'd UTF-8 string (a string as it is, other
 * values as JSON; undefined gives NULL).  SLP_EREJECTED: rejected (or fn
 * threw, or is no function), *result = the reason's message (an Error's
 * message, else String(reason)).  Free *result; result may be NULL.
 * Errors: ENOTSUP (not Emscripten), ENOLOOP (above), EINVAL (fn NULL),
 * ENOMEM, EWOULDBLOCK (main of a nonblocking thread), an error thrown in
 * meanwhile (SLP_EEXIT for a kill), ENOTHREAD (its thread died while it
 * waited). */
int slp_js_await(const char *fn, const char *arg, char **result);
/* For C programs on a thread with a JavaScript event loop (a page's or
 * Node's main thread; the npm package has its own): mark the thread
 * nonblocking and run its scheduler from the event loop -- slp_run() as
 * soon as the caller returns to the loop, and again whenever a deadline
 * comes (slp_timer_next), a promise awaited here settles, or another
 * thread queues work here -- until no tasklet of the thread waits or is
 * queued; then done(result) is called from the loop: 0, slp_run's error,
 * or SLP_EDEADLOCK when the tasklets left can never run (nothing can
 * come: no deadline, no pending promise, and no thread that could act).
 * The runtime stays up meanwhile (main may return).  Returns 0 at once.
 * Errors: ENOTSUP (not Emscripten), EINVAL (done NULL), ENOMEM. */
int slp_js_run(void (*done)(int result, void *ud), void *ud);

/* ----------------------------------------------------------- introspection */

/* One tasklet as slp_snapshot reports it. */
typedef struct {
    slp_tasklet handle;
    int thread_id;   /* -1: no thread */
    int state;       /* SLP_STATE_* */
    slp_channel channel; /* blocked on, or 0 */
} slp_tasklet_info;
enum {
    SLP_STATE_RUNNING = 1,  /* current of its thread */
    SLP_STATE_RUNNABLE,     /* in a run queue */
    SLP_STATE_BLOCKED_SEND,
    SLP_STATE_BLOCKED_RECV,
    SLP_STATE_PAUSED,       /* alive, in no queue */
    SLP_STATE_NOTHREAD,     /* its thread died */
    SLP_STATE_DEAD,         /* ended or never bound, handle still held */
    SLP_STATE_WAITING       /* in slp_sleep, slp_wait_fd, slp_select or slp_js_await */
};
/* Copy the state of up to max tasklets into out (under the runtime's lock,
 * stopping no scheduler).  Returns how many tasklets exist. */
int slp_snapshot(slp_tasklet_info *out, int max);

#ifdef __cplusplus
}
#endif
#endif /* STACKLESS_H */
