/* test_list.h -- every test, for every build.  SLP_T_THREADS: needs a
 * second thread; SLP_T_SINGLE: only where threads are not supported. */
#ifndef SLP_TEST_LIST_H
#define SLP_TEST_LIST_H
enum { SLP_T_ANY, SLP_T_THREADS, SLP_T_SINGLE };
#define SLP_TESTS(X) \
  X(tasklet_create_is_scheduled, SLP_T_ANY) \
  X(schedule_round_robin, SLP_T_ANY) \
  X(schedule_alone_returns_at_once, SLP_T_ANY) \
  X(tasklet_run_order, SLP_T_ANY) \
  X(tasklet_run_paused_runs_then_caller, SLP_T_ANY) \
  X(tasklet_switch_pauses_caller, SLP_T_ANY) \
  X(tasklet_remove_insert, SLP_T_ANY) \
  X(tasklet_bind_life_cycle, SLP_T_ANY) \
  X(tasklet_bind_main_refused, SLP_T_ANY) \
  X(tasklet_kill_blocked, SLP_T_ANY) \
  X(tasklet_kill_never_run, SLP_T_ANY) \
  X(tasklet_kill_pending, SLP_T_ANY) \
  X(tasklet_kill_self, SLP_T_ANY) \
  X(tasklet_throw_into_blocked, SLP_T_ANY) \
  X(tasklet_throw_never_run_is_uncaught, SLP_T_ANY) \
  X(uncaught_error_surfaces_in_run, SLP_T_ANY) \
  X(error_handler_swallows, SLP_T_ANY) \
  X(handles_are_checked, SLP_T_ANY) \
  X(release_while_queued_keeps_it, SLP_T_ANY) \
  X(switch_trap_refuses_switches, SLP_T_ANY) \
  X(switch_deep_stacks, SLP_T_ANY) \
  X(many_tasklets, SLP_T_ANY) \
  X(strerror_table, SLP_T_ANY) \
  X(retain_and_release, SLP_T_ANY) \
  X(tasklet_stack_overflow_is_an_error, SLP_T_ANY) \
  X(stack_overflow_bounded_recursion, SLP_T_ANY) \
  X(stack_overflow_unbounded_recursion, SLP_T_ANY) \
  X(verbose_warns_on_dropped_tasklet, SLP_T_ANY) \
  X(channel_send_prefers_receiver, SLP_T_ANY) \
  X(channel_receive_keeps_receiver, SLP_T_ANY) \
  X(channel_preference_sender, SLP_T_ANY) \
  X(channel_preference_neither, SLP_T_ANY) \
  X(channel_preference_clamped, SLP_T_ANY) \
  X(channel_fifo, SLP_T_ANY) \
  X(channel_balance_counts_senders, SLP_T_ANY) \
  X(channel_close, SLP_T_ANY) \
  X(channel_send_throw, SLP_T_ANY) \
  X(channel_blocked_sender_of_error, SLP_T_ANY) \
  X(channel_schedule_all, SLP_T_ANY) \
  X(channel_deadlock_on_main, SLP_T_ANY) \
  X(channel_lone_receive_returns_from_run, SLP_T_ANY) \
  X(channel_main_gets_no_sender, SLP_T_ANY) \
  X(channel_main_blocked_gets_uncaught_error, SLP_T_ANY) \
  X(channel_ping_pong, SLP_T_ANY) \
  X(channel_release_with_waiters, SLP_T_ANY) \
  X(channel_kill_after_handoff_keeps_value, SLP_T_ANY) \
  X(channel_block_trap, SLP_T_ANY) \
  X(thread_scheduler_per_thread, SLP_T_THREADS) \
  X(thread_channel_between_schedulers, SLP_T_THREADS) \
  X(thread_send_does_not_switch, SLP_T_THREADS) \
  X(thread_remote_insert_runs_there, SLP_T_THREADS) \
  X(thread_kill_remote_blocked, SLP_T_THREADS) \
  X(thread_bind_runnable_refused, SLP_T_ANY) \
  X(thread_blocked_main_sleeps, SLP_T_THREADS) \
  X(thread_deadlock_between_two, SLP_T_THREADS) \
  X(thread_death_orphans_tasklets, SLP_T_THREADS) \
  X(thread_death_kill_orphan, SLP_T_THREADS) \
  X(thread_death_kills_cstate, SLP_T_THREADS) \
  X(thread_shutdown_kills_other_mains, SLP_T_THREADS) \
  X(thread_stop_then_mark_dead, SLP_T_THREADS) \
  X(single_thread_build_refuses_threads, SLP_T_SINGLE) \
  X(thread_nonblocking_waits_on_wake_word, SLP_T_THREADS) \
  X(thread_idle_raises_deadlock_alarm, SLP_T_THREADS) \
  X(stress_threads_channels, SLP_T_THREADS)
#endif
