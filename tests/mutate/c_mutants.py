"""The C runtime's mutants: single-line bugs, each planted alone by mutate.py.

Each entry:
  id      a short name (stable: reports and CI logs use it)
  file    under src/
  line    text that identifies the line to change; it must occur on exactly
          one line of the file (after `after`, when given: then the first
          line after the unique `after` line that contains it)
  old/new the change on that line (old must occur in it); an old that ends
          with ";" and an empty new drop the statement (it becomes ";", so an
          if/else around it stays valid)
  swap    instead of old/new: text of a later line (within 8 lines) to swap
          the line with
  why     the bug in words
  survives  only for a mutant the suites cannot catch: the reason
  regress   the regression test(s) of tests/test_regress.c written for
          this bug (comma-separated): `mutate.py --regress` checks that
          each fails on it alone (every regress_ test is named once)

Anchor on statements, not on comments or line numbers, so that edits
elsewhere in a file leave a mutant applicable; a mutant whose line is gone
or no longer unique is reported as STALE (fix the entry, do not drop it
silently).
"""

MUTANTS = [
    # ---------------------------------------------------------- channel.c
    dict(id="chan-enqueue-head", file="channel.c", line="c->head = t;", old="c->head = t;", new="",
         why="enqueue into an empty channel forgets the head"),
    dict(id="chan-enqueue-balance", file="channel.c", line="c->balance += dir;", old="+=", new="-=",
         why="enqueue counts the balance the wrong way"),
    dict(id="chan-dequeue-next-prev", regress="regress_channel_remove_middle_waiter", file="channel.c", line="t->next->prev = t->prev;",
         old="t->next->prev = t->prev;", new="",
         why="removing a middle waiter leaves its successor pointing back at it"),
    dict(id="chan-dequeue-prev-next", file="channel.c", line="t->prev->next = t->next;",
         old="t->prev->next = t->next;", new="",
         why="removing a middle waiter leaves its predecessor pointing at it"),
    dict(id="chan-dequeue-tail", file="channel.c", line="c->tail = t->prev;",
         old="c->tail = t->prev;", new="",
         why="removing the last waiter keeps it as the tail"),
    dict(id="chan-dequeue-balance-order", file="channel.c", line="c->balance -= t->blocked;",
         swap="t->blocked = 0;",
         why="dequeue clears the direction before it uncounts it (swapped order)"),
    dict(id="chan-gc-waiters", file="channel.c", line="if (c->urefs || c->head) return;",
         old="if (c->urefs || c->head)", new="if (c->urefs)",
         why="a released channel is freed while tasklets still wait in it"),
    dict(id="chan-match-direction", file="channel.c", line="if (t && t->blocked == -dir) {",
         old="t->blocked == -dir", new="t->blocked == dir",
         why="a sender matches waiting senders"),
    dict(id="chan-dead-owner", file="channel.c", line="if (!owner) goto done;",
         old="if (!owner) goto done;", new="",
         why="a partner whose thread died is matched (and its NULL thread used)"),
    dict(id="chan-preference-zero", file="channel.c", line="(dir > 0 ? c->preference < 0 : c->preference > 0)",
         old="c->preference < 0", new="c->preference <= 0",
         why="preference 0 hands over to the receiver like -1"),
    dict(id="chan-preference-sender", regress="regress_handover_order_receiver_continues,regress_handover_order_prefer_sender", file="channel.c", line="(dir > 0 ? c->preference < 0 : c->preference > 0)",
         old="c->preference > 0", new="c->preference < 0",
         why="a receive with preference 1 does not run the sender"),
    dict(id="chan-trap-handover", regress="regress_switch_trap_on_handover", file="channel.c", line="(run_partner || sched_all) && th->switch_trap",
         old="&& th->switch_trap", new="&& 0",
         why="switch_trap does not refuse a hand-over that switches"),
    dict(id="chan-send-throw", file="channel.c", line="if (err) slp__set_err(t, err);",
         old="if (err) slp__set_err(t, err);", new="",
         why="send_throw to a waiting receiver delivers no error"),
    dict(id="chan-sender-err", file="channel.c", line="result = t->send_err;", after="if (out) *out = t->xfer_value;",
         old="result = t->send_err;", new="result = 0;",
         why="receiving from a blocked send_throw sender returns no error"),
    dict(id="chan-remote-wake", regress="regress_cross_thread_send_wakes_sleeper", file="channel.c", line="slp__thread_wake_by(owner);",
         old="slp__thread_wake_by(owner);", new="",
         why="a cross-thread send does not wake the receiver's sleeping thread"),
    dict(id="chan-remote-append", file="channel.c", line="slp__ring_append(owner, t);",
         old="slp__ring_append(owner, t);", new="",
         why="a cross-thread partner is never queued on its thread"),
    dict(id="chan-handover-order", regress="regress_handover_order_with_third_queued", file="channel.c", line="slp__ring_insert_after(th, self, t);",
         old="slp__ring_insert_after(th, self, t);", new="slp__ring_append(th, t);",
         why="the partner that runs now goes after the queue (reference 4.2)"),
    dict(id="chan-schedule-all-next", regress="regress_handover_order_schedule_all", file="channel.c", line="th->act_next = self->next;",
         old="self->next", new="t",
         why="schedule_all switches to the partner instead of the next in the queue"),
    dict(id="chan-closing", file="channel.c", line=": c->closing  ? SLP_ECLOSED",
         old="c->closing  ?", new="0 ?",
         why="a closing channel lets callers block"),
    dict(id="chan-block-trap", file="channel.c", line=": self->block_trap ? SLP_EBLOCKTRAP",
         old="self->block_trap ?", new="0 ?",
         why="block_trap does not refuse a blocking action"),
    dict(id="chan-send-err-kept", file="channel.c", line="if (dir > 0) self->send_err = err;",
         old="if (dir > 0) self->send_err = err;", new="",
         why="a blocked send_throw loses its error"),
    dict(id="chan-preference-clamp", file="channel.c", line="c->preference = (int8_t)((preference > 0) - (preference < 0));",
         old="(int8_t)((preference > 0) - (preference < 0))", new="(int8_t)preference",
         why="set_preference stores out-of-range values unclamped"),
    dict(id="chan-closed", file="channel.c", line="CHANNEL_GET(closed, c->closing && c->balance == 0)",
         old="c->closing && c->balance == 0", new="c->closing",
         why="closed() is true while tasklets still wait"),
    dict(id="chan-unlink-gc", file="channel.c", line="channel_gc(c);", after="void slp__channel_unlink",
         old="channel_gc(c);", new="",
         why="a released channel whose last waiter is unlinked is never freed"),

    dict(id="chan-release-twice", regress="regress_channel_release_counts", file="channel.c", line="if (c->urefs == 0) return slp__unlock_ret(SLP_EINVAL);",
         old="if (c->urefs == 0) return slp__unlock_ret(SLP_EINVAL);", new="",
         why="releasing a channel more often than it was retained is accepted"),

    # ----------------------------------------------------------- handle.c
    dict(id="handle-gen-bump", regress="regress_stale_handle_after_slot_reuse", file="handle.c", line="s->gen = (s->gen + 1u) & SLP__GEN_MASK;",
         old="s->gen = (s->gen + 1u) & SLP__GEN_MASK;", new="",
         why="a released handle is accepted again once its slot is reused"),
    dict(id="handle-kind-check", file="handle.c", line="if (s->kind != (uint32_t)kind || s->gen",
         old="s->kind != (uint32_t)kind || ", new="",
         why="a channel handle is accepted as a tasklet handle"),
    dict(id="handle-free-list", file="handle.c", line="free_head = idx;",
         old="free_head = idx;", new="",
         why="freed slots are never reused",
         survives="reuse only saves memory: a fresh slot behaves the same, and the 16M slots "
                  "run out only after 16M objects (too many for a test)"),
    dict(id="handle-gen-zero", file="handle.c", line="if (s->gen == 0) s->gen = 1;",
         old="if (s->gen == 0) s->gen = 1;", new="",
         why="a generation may wrap to 0",
         survives="generation 0 works like any other (handles stay non-zero through the "
                  "index); it takes 2048 reuses of one slot to get there"),

    # ---------------------------------------------------------- tasklet.c
    dict(id="task-bind-main", file="tasklet.c", line="if (t->is_main) return slp__unlock_ret(SLP_EUNBINDMAIN);",
         old="if (t->is_main) return slp__unlock_ret(SLP_EUNBINDMAIN);", new="",
         why="bind accepts a main tasklet"),
    dict(id="task-gc-urefs", file="tasklet.c", line="if (t->urefs || t->has_frame || t->in_ring",
         old="t->urefs || ", new="",
         why="a tasklet is freed while a user still holds its handle"),
    dict(id="task-bind-scheduled", file="tasklet.c", line="if (t->in_ring || t->blocked || t->waiting) return slp__unlock_ret(SLP_ESCHEDULED);",
         old="if (t->in_ring || t->blocked || t->waiting) return slp__unlock_ret(SLP_ESCHEDULED);", new="",
         why="bind accepts a scheduled tasklet"),
    dict(id="task-insert-blocked", regress="regress_blocked_refuses_queue_moves", file="tasklet.c", line="if (t->blocked || t->waiting) return slp__unlock_ret(SLP_EBLOCKED);",
         old="if (t->blocked || t->waiting) return slp__unlock_ret(SLP_EBLOCKED);", new="",
         why="insert accepts a blocked tasklet"),
    dict(id="task-remote-run-first", regress="regress_remote_run_goes_first", file="tasklet.c", line="slp__remote_insert(t->thread, t, 1);",
         old="t, 1)", new="t, 0)",
         why="run() of another thread's tasklet queues it last there"),
    dict(id="task-switch-pause", file="tasklet.c", line="slp__ring_remove(th, self); /* the caller is paused */",
         old="slp__ring_remove(th, self);", new="",
         why="switch() leaves the caller queued"),
    dict(id="task-throw-trap", file="tasklet.c", line="if (owner == th && !pending && th->switch_trap)",
         old="&& th->switch_trap", new="&& 0",
         why="a switching throw ignores switch_trap"),
    dict(id="task-throw-unlink", file="tasklet.c", line="slp__unpark(t);",
         after="slp__remote_insert(owner, t, 0);", old="slp__unpark(t);", new="",
         why="a throw into a blocked tasklet leaves it in its channel"),
    dict(id="task-kill-pending", file="tasklet.c", line="if (pending) return slp__unlock_ret(0);",
         old="if (pending) return slp__unlock_ret(0);", new="",
         why="a pending throw switches at once"),
    dict(id="task-bind-thread-runnable", file="tasklet.c", line="if (t->in_ring || t->waiting || is_current(t)) return slp__unlock_ret(SLP_ERUNNABLE);",
         old="if (t->in_ring || t->waiting || is_current(t)) return slp__unlock_ret(SLP_ERUNNABLE);", new="",
         why="bind_thread moves a queued tasklet"),

    dict(id="task-setup-alive", file="tasklet.c", line="if (t->has_frame && t->thread) return slp__unlock_ret(SLP_EALIVE);",
         old="if (t->has_frame && t->thread) return slp__unlock_ret(SLP_EALIVE);", new="",
         why="setup of a live tasklet queues it a second time"),

    # -------------------------------------------------------- scheduler.c
    dict(id="sched-remove-head", file="scheduler.c", line="if (th->head == t) th->head = t->next;",
         old="if (th->head == t) th->head = t->next;", new="",
         why="removing the head of the ring leaves it the head"),
    dict(id="sched-runcount", file="scheduler.c", line="th->runcount--;",
         old="th->runcount--;", new="",
         why="the run count never goes down"),
    dict(id="sched-deadlock", file="scheduler.c", line="if (awake <= 1 && !slp__has_waits(th)) {",
         old="awake <= 1", new="awake < 1",
         why="the last thread that could wake anybody sleeps instead of raising EDEADLOCK"),
    dict(id="sched-wake-count", file="scheduler.c", line="awake++;", after="void slp__thread_wake(slp__thread *th) {",
         old="awake++;", new="",
         why="a woken thread is not counted awake"),
    dict(id="sched-bomb", file="scheduler.c", line="if (bomb) {", old="if (bomb)", new="if (0)",
         why="an uncaught error does not go to main at once"),
    dict(id="sched-handler-exit", regress="regress_error_handler_not_shown_exit", file="scheduler.c", line="if (r < 0 && r != SLP_EEXIT && error_handler)",
         old="r != SLP_EEXIT && ", new="",
         why="the error handler is shown TaskletExit"),
    dict(id="sched-poll-throw", regress="regress_throw_into_lone_poller", file="scheduler.c", line="!__atomic_load_n(&self->xfer_err, __ATOMIC_ACQUIRE);",
         old="!__atomic_load_n(&self->xfer_err, __ATOMIC_ACQUIRE)", new="1",
         why="a lone poller misses a throw from another thread"),
    dict(id="sched-nosender", file="scheduler.c", line="slp__set_err(w, recv ? SLP_ENOSENDER : SLP_ENORECEIVER);",
         old="recv ? SLP_ENOSENDER : SLP_ENORECEIVER", new="recv ? SLP_ENORECEIVER : SLP_ENOSENDER",
         why="main blocked with nobody left gets the other direction's error"),
    dict(id="sched-idle-first", file="scheduler.c", line="th->head = t;", after="void slp__remote_insert",
         old="th->head = t;", new="",
         why="a tasklet run() from another thread is not first on an idle thread"),

    dict(id="sched-append-order", file="scheduler.c", line="h->prev->next = t;", swap="h->prev = t;",
         why="ring_append relinks the old last tasklet after moving the head's back link (swapped order)"),
    dict(id="sched-innermost-watchdog", regress="regress_nested_run_returns_to_innermost", file="scheduler.c",
         line="return th->nwatchdogs ? th->watchdogs[th->nwatchdogs - 1] : th->main;",
         old="th->watchdogs[th->nwatchdogs - 1]", new="th->watchdogs[0]",
         why="nested run(): control goes back to the outermost watchdog"),
    dict(id="sched-schedule-next", file="scheduler.c", line="next = self->in_ring ? self->next : th->head;",
         old="self->in_ring ? self->next : th->head", new="th->head",
         why="schedule() picks the current position, i.e. itself"),

    # ----------------------------------------------------------- thread.c
    dict(id="thread-getthreads-order", regress="regress_getthreads_order", file="thread.c", line="pos = first ? total - n : 0;",
         old="total - n", new="n",
         why="getthreads lists the later threads oldest first"),
    dict(id="thread-orphan-drop", regress="regress_thread_death_leaks_nothing", file="thread.c", line="if (!t->urefs && !t->blocked) slp__tasklet_drop_frame(t);",
         old="if (!t->urefs && !t->blocked) slp__tasklet_drop_frame(t);", new="",
         why="unreachable tasklets of a dead thread are leaked"),
    dict(id="thread-orphan-main", file="thread.c", line="slp__tasklet_gc(m);",
         old="slp__tasklet_gc(m);", new="",
         why="a dead thread's main tasklet is leaked"),
    dict(id="thread-new-awake", file="thread.c", line="slp__awake_adjust(1);", after="static slp__thread *thread_new",
         old="slp__awake_adjust(1);", new="",
         why="a new thread is not counted awake"),
    dict(id="thread-waiting", regress="regress_thread_waiting_counts", file="thread.c", line="(!waiting_only || t->blocked || t->in_ring || t->waiting)",
         old=" || t->in_ring", new="",
         why="thread_waiting() misses queued tasklets"),

    dict(id="thread-find-dead", file="thread.c", line="if (th->id == id && th->state == SLP__TH_ALIVE) return th;",
         old=" && th->state == SLP__TH_ALIVE", new="",
         why="a dead thread (not yet joined) is found by id"),

    # ------------------------------------------------------ sync_pthread.c
    dict(id="sync-futex-wake", file="sync_pthread.c",
         line="for (i = 0; i < n; i++) slp__futex_wake(wake_later[i], 0x7fffffff);",
         old="slp__futex_wake(wake_later[i], 0x7fffffff);", new="(void)0;",
         why="a thread sleeping in the kernel is never woken"),
    dict(id="sync-unlock-wake", file="sync_pthread.c", line="== 2) slp__futex_wake(&big, 1);",
         old="slp__futex_wake(&big, 1);", new="(void)0;",
         why="unlock never wakes a thread waiting for the lock in the kernel"),
]
