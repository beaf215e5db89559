/*
 * switch_asyncify.c -- soft switching inside the wasm module with Binaryen's
 * Asyncify, the way Stackless copies stack slices:
 *
 *   - all non-main tasklets of a thread run on one shared region of the C
 *     shadow stack, always at the same addresses;
 *   - a suspend unwinds the wasm frames into the thread's scratch buffer;
 *     the loop then keeps only the bytes used (the Asyncify data and the
 *     slice of the shadow stack between the tasklet's stack pointer and the
 *     top of the region), each in a block of exactly that size;
 *   - a resume copies the slice back to the same addresses and rewinds from
 *     the tasklet's own block.
 *
 * So a blocked tasklet costs what its frames really hold.  The intrinsics
 * below are imports of module "asyncify" that `wasm-opt --asyncify` replaces
 * by its own code: the host never sees an unwind.  slp__ctx_resume must be
 * on the pass's remove-list (wasm/asyncify.cmake) so that the unwind stops
 * there instead of travelling on to the host.
 *
 * A tasklet whose saved slice is not empty holds addresses of its thread's
 * region: that is this build's "C state" (it cannot change threads).
 *
 * Wasm has no guard pages.  Instead every write of the stack pointer is
 * followed by a check against slp__sp_limit (added after linking by
 * wasm/stack_check.mjs): while a tasklet runs the limit is the top of the
 * lowest GUARD bytes of the region, a reserve.  A function whose frame
 * goes below it calls slp__stack_overflow before it stores anything
 * there, which marks the tasklet as overflowed and lets it go on into the
 * reserve: there is no way to abandon its frames from there (no unwind
 * through uninstrumented code, no exceptions in clang-14), but at its next
 * switch or return it ends with SLP_ESTACKDEPTH and the thread goes on.
 * A tasklet that goes on past the reserve too is stopped there with a
 * message and abort(): the thread dies, and nothing below the region is
 * written.  Canary words at the reserve's top remain a second check
 * (for modules linked without the stack check).  SLP_STACK_SIZE sets the
 * region's size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Our own C names: the pass adds functions called asyncify_* itself. */
#define IMPORT(name) __attribute__((import_module("asyncify"), import_name(name)))
IMPORT("start_unwind") void slp__asyncify_start_unwind(void *data);
IMPORT("stop_unwind") void slp__asyncify_stop_unwind(void);
IMPORT("start_rewind") void slp__asyncify_start_rewind(void *data);
IMPORT("stop_rewind") void slp__asyncify_stop_rewind(void);

void *slp__sp_get(void);
void slp__sp_set(void *sp);
/* The lowest address a tasklet's stack pointer may take (0: none, while
 * main runs).  A wasm global, so one per thread (each Emscripten worker
 * instantiates the module anew) and read with no TLS lookup; clang-14 can
 * define none (not in C, and not in an assembly file built with -g), so
 * wasm/stack_check.mjs adds it and turns this import into its setter. */
__attribute__((import_module("slp_stack"), import_name("limit_set")))
void slp__sp_limit_set(void *limit);

/* Asyncify's data header: where the next byte goes, and the limit. */
typedef struct {
    char *cur;
    char *end;
} slp__adata;

struct slp__thread_ctx {
    char *region;          /* the shared tasklet stack region */
    char *region_top;
    char *scratch;         /* unwinds land here first */
    size_t scratch_size;
    slp__adata hdr;
    int rewinding;
    int overflowed;        /* the running tasklet went into the reserve */
    slp__tasklet *unwinding;
};

/* This thread's switch state, for suspend: it runs on every switch (twice),
 * and this is one load where the thread's struct would be three. */
static __thread slp__thread_ctx *self_ctx;

static size_t env_size(const char *name, size_t dflt) {
    const char *e = getenv(name);
    long v = e ? atol(e) : 0;
    return v >= 4096 ? (size_t)v : dflt;
}

int slp__ctx_thread_init(slp__thread *th) {
    th->ctx = calloc(1, sizeof *th->ctx);
    self_ctx = th->ctx;
    return th->ctx ? 0 : -1;
}

void slp__ctx_thread_free(slp__thread *th) {
    if (!th->ctx) return;
    free(th->ctx->region);
    free(th->ctx->scratch);
    if (self_ctx == th->ctx) self_ctx = NULL;
    free(th->ctx);
    th->ctx = NULL;
}

#define GUARD 4096
#define NCANARY 4
#define CANARY 0x5eb1a7edu

static uint32_t *canaries(slp__thread_ctx *c) {
    return (uint32_t *)(c->region + GUARD) - NCANARY;
}

static void canaries_set(slp__thread_ctx *c) {
    uint32_t *w = canaries(c);
    int i;
    for (i = 0; i < NCANARY; i++) w[i] = CANARY;
}

_Static_assert(NCANARY == 4, "canaries_intact reads two 8-byte words");

/* Nobody wrote over the band's top since canaries_set.  (Checked at
 * every switch: two 8-byte words, no branch per word.) */
static int canaries_intact(slp__thread_ctx *c) {
    const uint64_t *w = (const uint64_t *)canaries(c);
    const uint64_t pair = (uint64_t)CANARY << 32 | CANARY;
    return ((w[0] ^ pair) | (w[1] ^ pair)) == 0;
}

/* Called by the check after a write of the stack pointer that went below
 * slp__sp_limit, before the function stores anything in its frame.  It must
 * have no frame of its own (no address-taken locals): it runs on the stack
 * that just ran out. */
/* Exported only to survive the link: nothing calls it until the check is in. */
__attribute__((export_name("slp__stack_overflow"), noinline)) void slp__stack_overflow(void) {
    static const char msg[] =
        "stackless: tasklet stack overflow past its reserve (see SLP_STACK_SIZE)\n";
    slp__thread_ctx *c = self_ctx;
    char *sp = slp__sp_get();
    if (c && c->region && sp >= c->region && !c->overflowed) {
        c->overflowed = 1;
        slp__sp_limit_set(c->region); /* on into the reserve, no further */
        return;
    }
    /* Past the reserve: the frames below the region must not be written,
     * and this tasklet cannot be left.  Report from the region's top. */
    slp__sp_limit_set(0);
    if (c && c->region) slp__sp_set(c->region_top);
    fputs(msg, stderr);
    abort();
}

/* Made on the first resume, so a thread without tasklets costs nothing. */
static int buffers_alloc(slp__thread_ctx *c) {
    size_t rsize = env_size("SLP_STACK_SIZE", 256 * 1024) + GUARD;
    c->scratch_size = env_size("SLP_ASYNCIFY_BUFFER", 1024 * 1024);
    c->region = malloc(rsize);
    c->scratch = malloc(c->scratch_size);
    if (!c->region || !c->scratch) {
        free(c->region);
        free(c->scratch);
        c->region = c->scratch = NULL;
        return -1;
    }
    c->region_top = (char *)((uintptr_t)(c->region + rsize) & ~(uintptr_t)15);
    canaries_set(c);
    return 0;
}


/* Word copies without a call (memcpy is a function here, and the
 * bulk-memory memory.copy is not available to clang-14's WASI target with
 * TLS): 8 bytes a step, as the Asyncify data of a deep tasklet is copied at
 * every switch (measured: 10% of a schedule() round trip at depth 128).
 * n is a multiple of 4 and both ends are 8-aligned (malloc'd blocks, the
 * 16-aligned region top), so at most one 4-byte word is left over. */
__attribute__((no_builtin("memcpy"))) /* keep the loop a loop */
static inline void copy_words(void *to, const void *from, size_t n) {
    uint64_t *d = to;
    const uint64_t *s = from;
    size_t i;
    for (i = 0; i < n / 8; i++) d[i] = s[i];
    if (n & 4) ((uint32_t *)to)[n / 4 - 1] = ((const uint32_t *)from)[n / 4 - 1];
}

/* Keep the used bytes of [from, from + n) in *blk, of *cap bytes.  The
 * block grows when it is too small and shrinks when it is over twice too
 * big (a tasklet keeps about what its frames hold), and else stays: a
 * tasklet that blocks at two places in turn (a channel ping-pong: send,
 * then receive) would otherwise realloc at every switch. */
static __attribute__((noinline)) int keep_resize(void **blk, size_t *blk_size, size_t *cap,
                                                 const void *from, size_t n) {
    void *p = NULL;
    if (!n) {
        free(*blk);
        *blk = NULL;
        *cap = 0;
    } else if ((p = realloc(*blk, n)) != NULL) {
        *blk = p;
        *cap = n;
    } else if (n > *cap) {
        return -1; /* (no smaller block: the big one stays) */
    }
    *blk_size = n;
    if (n) copy_words(*blk, from, n);
    return 0;
}

/* The usual case inline, the copy too (no call at every switch: the
 * data of a shallow tasklet is a few words, the slice usually empty). */
__attribute__((no_builtin("memcpy"))) static inline int keep(void **blk, size_t *blk_size,
                                                             size_t *cap, const void *from,
                                                             size_t n) {
    if (__builtin_expect(n > *cap || n < *cap / 2, 0))
        return keep_resize(blk, blk_size, cap, from, n);
    *blk_size = n;
    if (n) copy_words(*blk, from, n);
    return 0;
}

/* The Asyncify data of a shallow tasklet is a few words (24 bytes at a
 * bare schedule()), and copying it word by word (loop set-up, unrolled
 * body, remainder) was the biggest single step of a switch: 166 of ~700
 * wasm operators (Wasmtime fuel).  So a data block holds at least SMALL
 * bytes, or 2 * SMALL, and such data is copied in SMALL or 2 * SMALL
 * bytes of straight moves, whatever its size below that (the scratch it
 * comes from has them all: it is far bigger). */
#define SMALL 32

static inline size_t data_block_size(size_t n) {
    return n <= SMALL ? SMALL : n <= 2 * SMALL ? 2 * SMALL : n;
}

__attribute__((no_builtin("memcpy"))) static inline int keep_data(slp__tasklet *t,
                                                                  const char *from, size_t n) {
    size_t want = data_block_size(n), cap = t->ctx.data_cap;
    uint64_t *d;
    const uint64_t *s = (const uint64_t *)from;
    if (__builtin_expect(want > cap || want < cap / 2, 0)) {
        void *p = realloc(t->ctx.data, want);
        if (p) {
            t->ctx.data = p;
            t->ctx.data_cap = want;
        } else if (want > cap) {
            return -1; /* (no smaller block: the big one stays) */
        }
    }
    t->ctx.data_size = n;
    d = t->ctx.data;
    if (n > 2 * SMALL) {
        copy_words(d, s, n);
        return 0;
    }
    d[0] = s[0], d[1] = s[1], d[2] = s[2], d[3] = s[3];
    if (n > SMALL) d[4] = s[4], d[5] = s[5], d[6] = s[6], d[7] = s[7];
    return 0;
}

/* The tasklet's function is called from here directly, so its frame is the
 * outermost one saved: the unwind stops here (this function is on the
 * remove-list, hence not instrumented), and the code after the call must
 * tell an unwind from a return before doing anything else. */
__attribute__((noinline, no_builtin("memcpy"))) void slp__ctx_resume(slp__thread *th, slp__tasklet *t) {
    slp__thread_ctx *c = th->ctx;
    void *main_sp = slp__sp_get();
    int r, overflow = 0;
    if (!c->region && buffers_alloc(c) != 0) {
        t->result = SLP_ENOMEM;
        t->ended = 1;
        return;
    }
    if (!t->started) {
        t->started = 1;
        r = slp__tasklet_prologue(t);
        if (r) { /* thrown in before it ran: it ends without running */
            slp__tasklet_epilogue(t, r);
            return;
        }
        slp__sp_limit_set(c->region + GUARD);
        slp__sp_set(c->region_top);
        r = t->fn(t->arg);
    } else {
        char *sp = c->region_top - t->ctx.stack_size;
        if (t->ctx.stack_size) copy_words(sp, t->ctx.stack, t->ctx.stack_size);
        /* Rewinding reads the data back from its end. */
        c->hdr.cur = c->hdr.end = (char *)t->ctx.data + t->ctx.data_size;
        c->rewinding = 1;
        slp__sp_limit_set(c->region + GUARD);
        slp__sp_set(sp);
        slp__asyncify_start_rewind(&c->hdr);
        r = t->fn(t->arg);
    }
    slp__sp_limit_set(0);
    if (c->unwinding == t) {
        char *sp = slp__sp_get();
        slp__asyncify_stop_unwind();
        c->unwinding = NULL;
        overflow = c->overflowed || sp < c->region + GUARD || !canaries_intact(c);
        if (overflow) {
            t->result = SLP_ESTACKDEPTH;
            t->ended = 1;
        } else if (keep(&t->ctx.stack, &t->ctx.stack_size, &t->ctx.stack_cap, sp,
                        (size_t)(c->region_top - sp)) != 0 ||
                   keep_data(t, c->scratch, (size_t)(c->hdr.cur - c->scratch)) != 0) {
            /* Out of memory while saving: it cannot be resumed. */
            t->result = SLP_ENOMEM;
            t->ended = 1;
        }
    } else {
        slp__tasklet_epilogue(t, r);
        overflow = c->overflowed || !canaries_intact(c);
        if (overflow) t->result = SLP_ESTACKDEPTH;
    }
    if (overflow) {
        canaries_set(c);
        c->overflowed = 0;
    }
    slp__sp_set(main_sp);
}

__attribute__((noinline)) void slp__ctx_suspend(slp__thread *th, slp__tasklet *t) {
    /* Entered twice: once to unwind, and again from the top while
     * rewinding (possibly on another thread: th may be stale). */
    slp__thread_ctx *c = self_ctx;
    SLP__UNUSED(th);
    if (!c->rewinding) {
        c->unwinding = t;
        c->hdr.cur = c->scratch;
        c->hdr.end = c->scratch + c->scratch_size;
        slp__asyncify_start_unwind(&c->hdr);
        return;
    }
    c->rewinding = 0;
    slp__asyncify_stop_rewind();
}

void slp__ctx_free(slp__tasklet *t) {
    free(t->ctx.stack);
    free(t->ctx.data);
    t->ctx.stack = t->ctx.data = NULL;
    t->ctx.stack_size = t->ctx.data_size = 0;
    t->ctx.stack_cap = t->ctx.data_cap = 0;
}

int slp__ctx_has_cstate(const slp__tasklet *t) {
    return t->started && t->ctx.stack_size != 0;
}
