/*
 * switch_native.h -- what the two native x86-64 switch variants share
 * (switch_native_x86_64.c: a stack per tasklet; switch_native_copy.c: one
 * stack per thread and copied slices): the register swap, the sanitizer
 * hooks, and the guard page's SIGSEGV handler that ends a tasklet which
 * overflows its stack with SLP_ESTACKDEPTH.  Included by the one variant
 * a build compiles (CMake: SLP_NATIVE_STACKS).
 *
 * Guard pages: MADV_GUARD_INSTALL (Linux 6.13+), which, unlike mprotect,
 * does not split the mapping: Linux allows ~65k mappings, fewer than the
 * tasklets we benchmark.  A tasklet that runs into it faults; the SIGSEGV
 * handler (on an alternate stack of its thread) sees the address in the
 * current tasklet's guard page (the variant's guard_of) and ends that
 * tasklet with SLP_ESTACKDEPTH: it switches straight back to the loop,
 * abandoning the tasklet's frames (whatever they held stays held: an
 * overflow inside the runtime's own lock would hang the thread, but the
 * runtime's frames are shallow).  Any other fault goes to the handler that
 * was there before.  Where the kernel has no MADV_GUARD_INSTALL, mprotect
 * makes the guard page while mappings last, and after that the page is
 * only a band: a tasklet found inside it at a switch ends with
 * SLP_ESTACKDEPTH.
 */
#ifndef SLP_SWITCH_NATIVE_H
#define SLP_SWITCH_NATIVE_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLP__ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SLP__TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SLP__ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define SLP__TSAN 1
#endif

#ifdef SLP__ASAN
void __sanitizer_start_switch_fiber(void **fake, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake, const void **bottom, size_t *size);
#define ASAN_START(f, b, s) __sanitizer_start_switch_fiber((f), (b), (s))
#define ASAN_FINISH(f, b, s) __sanitizer_finish_switch_fiber((f), (b), (s))
/* A dead tasklet's frames leave their poison in the shadow memory of its
 * stack; a later mapping at the same address must start clean. */
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define ASAN_UNPOISON(p, n) ((void)0)
#define ASAN_START(f, b, s) ((void)0)
#define ASAN_FINISH(f, b, s) ((void)0)
#endif
#ifdef SLP__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#define TSAN_SWITCH(f) __tsan_switch_to_fiber((f), 0)
#else
#define TSAN_SWITCH(f) ((void)0)
#endif

/* A tasklet's TSan fiber goes with its context (both variants). */
static void san_fiber_free(slp__tasklet *t) {
#ifdef SLP__TSAN
    if (t->ctx.san_fiber) {
        __tsan_destroy_fiber(t->ctx.san_fiber);
        t->ctx.san_fiber = NULL;
    }
#else
    (void)t;
#endif
}

struct slp__thread_ctx {
    void *loop_sp;           /* where slp__loop waits */
    const void *main_bottom; /* the thread's own stack, for ASan */
    size_t main_size;
    void *main_fake;
    void *loop_fiber;        /* TSan */
    void *altstack;          /* ours, for the SIGSEGV handler, or NULL */
    int guard_ready;         /* handler and alternate stack seen to */
    /* switch_native_copy.c: the stack every tasklet of the thread runs on,
     * and the tasklet whose frames are on it now (saved: none). */
    char *run_stack;
    size_t run_size;
    slp__tasklet *occupant;
};

/* swap(save, next): push callee-saved registers, store rsp in *save, load
 * next as rsp, pop and return into the other context. */
void slp__native_swap(void **save, void *next);
__attribute__((visibility("hidden"), noreturn)) void slp__native_start(slp__tasklet *t);

__asm__(".text\n"
        ".globl slp__native_swap\n"
        ".hidden slp__native_swap\n"
        ".type slp__native_swap,@function\n"
        "slp__native_swap:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n"
        "  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n"
        "  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size slp__native_swap,.-slp__native_swap\n"
        /* First entry of a tasklet: r12 holds it (see ctx_resume). */
        ".globl slp__native_trampoline\n"
        ".hidden slp__native_trampoline\n"
        ".type slp__native_trampoline,@function\n"
        "slp__native_trampoline:\n"
        "  movq %r12, %rdi\n"
        "  call slp__native_start\n"
        "  ud2\n"
        ".size slp__native_trampoline,.-slp__native_trampoline\n");
void slp__native_trampoline(void);

#define GUARD 4096

static size_t stack_size(void) {
    static size_t cached; /* threads may race to fill it: same value */
    size_t size = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!size) {
        const char *e = getenv("SLP_STACK_SIZE");
        long v = e ? atol(e) : 0;
        size = v >= 16384 ? (size_t)v : 256 * 1024;
        size = (size + 4095) & ~(size_t)4095;
        __atomic_store_n(&cached, size, __ATOMIC_RELAXED);
    }
    return size;
}

/* ------------------------------------------------------ guard pages */

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#define ALTSTACK_SIZE (64 * 1024)

static struct sigaction old_segv; /* the handler we chain to */
static int segv_state;            /* 0 none, 1 installing, 2 installed */
static int guard_madvise = 1;     /* MADV_GUARD_INSTALL works (until not) */

static void segv_chain(int sig, siginfo_t *si, void *uc) {
    if (old_segv.sa_flags & SA_SIGINFO) {
        old_segv.sa_sigaction(sig, si, uc);
    } else if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
        old_segv.sa_handler(sig);
    } else {
        /* The default action: the faulting instruction runs again and
         * kills the process as if we had never been here. */
        signal(sig, SIG_DFL);
    }
}

/* A fault in the guard page of the running tasklet ends it: back to the
 * loop as if it had returned SLP_ESTACKDEPTH (slp__native_start's end).
 * SA_NODEFER: leaving the handler this way keeps SIGSEGV unblocked. */
static const char *guard_of(slp__thread *th, slp__tasklet *t); /* the variant's */

static void segv_handler(int sig, siginfo_t *si, void *uc) {
    slp__thread *th = slp__tls;
    slp__tasklet *t = th ? th->current : NULL;
    char *a = si->si_addr;
    slp__thread_ctx *c;
    void *unused;
    const char *g = t && !t->is_main ? guard_of(th, t) : NULL;
    if (!g || a < g || a >= g + GUARD) {
        segv_chain(sig, si, uc);
        return;
    }
    c = th->ctx;
    t->result = SLP_ESTACKDEPTH;
    t->ended = 1;
    ASAN_START(NULL, c->main_bottom, c->main_size);
    TSAN_SWITCH(c->loop_fiber);
    slp__native_swap(&unused, c->loop_sp);
    __builtin_unreachable();
}

/* Once per process, at the first tasklet stack (a program without
 * tasklets keeps its own SIGSEGV handling untouched). */
static void segv_install(void) {
    struct sigaction sa;
    int expect = 0;
    if (__atomic_load_n(&segv_state, __ATOMIC_ACQUIRE) == 2) return;
    if (!__atomic_compare_exchange_n(&segv_state, &expect, 1, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(&segv_state, __ATOMIC_ACQUIRE) != 2) slp__cpu_relax();
        return;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    __atomic_store_n(&segv_state, 2, __ATOMIC_RELEASE);
}

/* The handler needs a stack of its own: the tasklet's has no room left.
 * Per OS thread, unless the thread already has one. */
static void altstack_install(slp__thread_ctx *c) {
    stack_t ss, old;
    if (c->altstack || sigaltstack(NULL, &old) != 0 || !(old.ss_flags & SS_DISABLE)) return;
    ss.ss_sp = malloc(ALTSTACK_SIZE);
    if (!ss.ss_sp) return;
    ss.ss_size = ALTSTACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        free(ss.ss_sp);
        return;
    }
    c->altstack = ss.ss_sp;
}

/* The lowest page of a new stack faults when touched. */
static void guard_install(void *stack) {
    if (__atomic_load_n(&guard_madvise, __ATOMIC_RELAXED)) {
        if (madvise(stack, GUARD, MADV_GUARD_INSTALL) == 0) return;
        __atomic_store_n(&guard_madvise, 0, __ATOMIC_RELAXED);
    }
    /* Splits the mapping: may fail once mappings run out; then the page
     * is only the band checked at switches. */
    (void)mprotect(stack, GUARD, PROT_NONE);
}

static int native_thread_init(slp__thread *th) {
    th->ctx = calloc(1, sizeof *th->ctx);
    if (!th->ctx) return -1;
#ifdef SLP__TSAN
    th->ctx->loop_fiber = __tsan_get_current_fiber();
#endif
    return 0;
}

static void native_thread_free(slp__thread *th) {
    if (th->ctx && th->ctx->altstack) {
        stack_t ss, cur;
        memset(&ss, 0, sizeof ss);
        ss.ss_flags = SS_DISABLE;
        /* Only on the thread that installed it, and if it still is ours. */
        if (slp__tls == th && sigaltstack(NULL, &cur) == 0 && cur.ss_sp == th->ctx->altstack) {
            sigaltstack(&ss, NULL);
            free(th->ctx->altstack);
        } /* else: left installed (and allocated) for the thread's life */
    }
    free(th->ctx);
    th->ctx = NULL;
}


/* At a thread's first tasklet stack: the process's handler, the thread's
 * alternate stack. */
static void guard_setup(slp__thread_ctx *c) {
    if (!c->guard_ready) {
        segv_install();
        altstack_install(c);
        c->guard_ready = 1;
    }
}
#endif
