/*
 * handle.c -- generation-checked handles for tasklets and channels.
 *
 * A handle is (generation << SLP__IDX_BITS) | index.  Slots live in chunks
 * that never move, so a stale handle reads a slot whose generation or kind
 * no longer matches instead of freed memory.  All calls hold slp__lock.
 *
 * 24 index bits: 16M objects alive at once, more than a 32-bit wasm memory
 * holds (a tasklet costs ~130 bytes, a channel ~50).  That leaves 8 bits of
 * generation, so slots are reused in FIFO order and only while more than
 * SLP__RESERVE are free: a stale handle could only match again after its
 * slot went round 255 times, i.e. after some 16M allocations since it was
 * released (with a LIFO list one slot freed and taken again in a loop
 * would wrap after 255).
 */
#include <stdlib.h>

#include "internal.h"

#define SLP__IDX_BITS 24u
#define SLP__IDX_MASK ((1u << SLP__IDX_BITS) - 1u)
#define SLP__GEN_MASK ((1u << (32u - SLP__IDX_BITS)) - 1u)
#define SLP__CHUNK_BITS 12u
#define SLP__CHUNK (1u << SLP__CHUNK_BITS)
#define SLP__NCHUNKS ((SLP__IDX_MASK + 1u) / SLP__CHUNK)
#define SLP__RESERVE (1u << 16) /* free slots kept aside (12-16 bytes each) */

typedef struct {
    void *obj;     /* the object; when free, the index of the next free slot */
    uint32_t gen;  /* bumped at every free; never 0 for a live handle */
    uint32_t kind; /* SLP__HK_* (SLP__HK_FREE when free) */
} slp__slot;

static slp__slot *chunks[SLP__NCHUNKS];
static uint32_t nslots = 1; /* index 0 is never used: handle 0 is "none" */
static uint32_t free_head, free_tail; /* FIFO of free slots, 0 if none */
static uint32_t nfree;

static slp__slot *slot_at(uint32_t idx) {
    slp__slot *c = chunks[idx >> SLP__CHUNK_BITS];
    return c ? &c[idx & (SLP__CHUNK - 1u)] : NULL;
}

uint32_t slp__handle_alloc(void *obj, int kind) {
    uint32_t idx;
    slp__slot *s;
    if (free_head && (nfree > SLP__RESERVE || nslots > SLP__IDX_MASK)) {
        idx = free_head;
        s = slot_at(idx);
        free_head = (uint32_t)(uintptr_t)s->obj;
        if (!free_head) free_tail = 0;
        nfree--;
    } else {
        if (nslots > SLP__IDX_MASK) return 0;
        idx = nslots;
        if (!chunks[idx >> SLP__CHUNK_BITS]) {
            slp__slot *c = calloc(SLP__CHUNK, sizeof *c);
            if (!c) return 0;
            chunks[idx >> SLP__CHUNK_BITS] = c;
        }
        nslots++;
        s = slot_at(idx);
        s->gen = 1;
    }
    s->obj = obj;
    s->kind = (uint32_t)kind;
    return (s->gen << SLP__IDX_BITS) | idx;
}

void *slp__handle_get(uint32_t h, int kind) {
    uint32_t idx = h & SLP__IDX_MASK;
    slp__slot *s;
    if (idx == 0 || idx >= nslots) return NULL;
    s = slot_at(idx);
    if (s->kind != (uint32_t)kind || s->gen != (h >> SLP__IDX_BITS)) return NULL;
    return s->obj;
}

void slp__handle_free(uint32_t h) {
    uint32_t idx = h & SLP__IDX_MASK;
    slp__slot *s = slot_at(idx);
    s->kind = SLP__HK_FREE;
    s->gen = (s->gen + 1u) & SLP__GEN_MASK;
    if (s->gen == 0) s->gen = 1;
    s->obj = NULL; /* end of the list */
    if (free_tail)
        slot_at(free_tail)->obj = (void *)(uintptr_t)idx;
    else
        free_head = idx;
    free_tail = idx;
    nfree++;
}

void slp__handle_each(int kind, void (*fn)(void *obj, void *ud), void *ud) {
    uint32_t i;
    for (i = 1; i < nslots; i++) {
        slp__slot *s = slot_at(i);
        if (s->kind == (uint32_t)kind) fn(s->obj, ud);
    }
}
