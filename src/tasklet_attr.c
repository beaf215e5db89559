/*
 * tasklet_attr.c -- the tasklet attributes that tasklet.c does not need:
 * tempval, next/prev, nesting_level (reference §2.2).
 */
#include "internal.h"

void *slp_tasklet_tempval(slp_tasklet h) {
    slp__tasklet *t;
    void *v;
    slp__lock();
    t = slp__handle_get(h, SLP__HK_TASKLET);
    v = t ? t->xfer_value : NULL;
    slp__unlock();
    return v;
}

int slp_tasklet_set_tempval(slp_tasklet h, void *value) {
    slp__tasklet *t;
    SLP__LOCKED_GET(t, h, SLP__HK_TASKLET);
    t->xfer_value = value;
    return slp__unlock_ret(0);
}

/* A run ring wraps around; a channel queue ends at 0 on both sides, as
 * Stackless's channel sentinel reads as None.  A select of one case waits
 * in one queue, through its stub (select.c). */
static slp_tasklet neighbour(slp_tasklet h, int forward) {
    slp__tasklet *t, *n = NULL;
    slp__lock();
    t = slp__handle_get(h, SLP__HK_TASKLET);
    if (t && (t->in_ring || t->blocked)) n = forward ? t->next : t->prev;
    else if (t && t->waiting == SLP__WAIT_SELECT) n = slp__select_neighbour(t, forward);
    slp__unlock();
    return n ? n->handle : 0;
}

slp_tasklet slp_tasklet_next(slp_tasklet h) { return neighbour(h, 1); }
slp_tasklet slp_tasklet_prev(slp_tasklet h) { return neighbour(h, 0); }

int slp_tasklet_nesting_level(slp_tasklet h) {
    slp__tasklet *t;
    SLP__LOCKED_GET(t, h, SLP__HK_TASKLET);
    return slp__unlock_ret(slp__cstate(t));
}
