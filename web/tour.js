// tour.js -- the guided tour: the seed's rules (Stackless's "Threads" page)
// one step at a time, each with what to do and what to look at in the live
// picture.  A step's buttons call the page's own operations (app.js); its
// status line says what the runtime shows now.  Any step can be opened at
// any time; a button that cannot apply yet says why instead of failing.

function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'html') e.innerHTML = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...kids.filter((k) => k != null));
  return e;
}

// The steps.  ctx is what app.js offers (see setupTour).
function steps(ctx) {
  const w1 = () => ctx.worker(1);
  const w2 = () => ctx.worker(2);
  return [
    {
      id: 'schedulers',
      title: 'A scheduler per thread',
      text: `<p>Each lane is one thread: the page's own and two Web Workers it started. Every thread
        runs <strong>its own scheduler</strong> with its own main tasklet (in italics). A tasklet belongs to
        the thread that created it (<code>tasklet.thread_id</code>) and runs only there: Stackless never
        moves tasklets between threads by itself.</p>
        <p>Make worker 1 busy: two tasklets there take turns with <code>schedule()</code> for 3 seconds
        (<span class="key s-running">▶ running</span> and <span class="key s-runnable">… runnable</span>).
        The other schedulers are not held up: the page keeps its frame rate.</p>`,
      actions: [
        { id: 'tour-busy', label: 'Make worker 1 busy',
          why: () => (w1()?.alive ? '' : 'worker 1 has been terminated (step 3): any live worker will do in All controls'),
          run: () => ctx.busy(w1()) },
      ],
      seed: 'threads',
      status: () => {
        const n = ctx.count((t) => t.thread === w1()?.id && (t.state === 'running' || t.state === 'runnable'));
        return n ? `worker 1's scheduler is switching between ${n} tasklets` : '';
      },
    },
    {
      id: 'channels',
      title: 'A channel across threads',
      text: `<p><strong>Channels are thread-safe</strong>: a tasklet on one thread can send to a tasklet on
        another. Three waiters, on both workers, are blocked receiving on <em>jobs</em>
        (<span class="key s-blocked_recv">↓</span>). Send a job: the page's main tasklet sends a number, the
        first waiter receives it, then blocks sending its square on <em>results</em>
        (<span class="key s-blocked_send">↑</span>) until the page takes it. Each message is drawn as it
        passes, from lane to lane.</p>
        <p>Then stream 100,000 numbers from a producer through a stage to a consumer, every hop from one
        worker to the other, while the page keeps drawing.</p>`,
      actions: [
        { id: 'tour-send', label: 'Send a job', run: () => ctx.sendJob() },
        { id: 'tour-take', label: 'Take the result',
          why: () => (ctx.balance('results') > 0 ? '' : 'no waiter is sending on results: send a job first'),
          run: () => ctx.takeResult() },
        { id: 'tour-pipeline', label: 'Stream 100,000 messages', secondary: true,
          why: () => (ctx.pipelineRunning() ? 'one run at a time' : ''), run: () => ctx.pipeline(100000) },
      ],
      seed: 'channels',
      status: () => ctx.pipelineText() || '',
    },
    {
      id: 'death',
      title: 'A thread dies',
      text: `<p>Terminate worker 1. When a thread dies, Stackless does not kill its soft-switched tasklets:
        they <strong>simply stop and lose their thread</strong>, so <code>thread_id</code> reports
        <code>-1</code> (the dashed lane), the one the worker was asleep waiting for too (it waits suspended,
        off the thread's stack). Only a tasklet running at that very moment would end with the thread. They
        still sit in their channels' queues: worker 1's waiters are still receivers on <em>jobs</em>, and
        no thread will ever run them.</p>
        <p>Then try to send a job.</p>`,
      actions: [
        { id: 'tour-terminate', label: 'Terminate worker 1',
          why: () => (w1()?.alive ? '' : 'worker 1 is terminated'), run: () => ctx.terminate(1) },
        { id: 'tour-send-orphans', label: 'Send a job', run: () => ctx.sendJob() },
      ],
      status: () => {
        const n = ctx.count((t) => t.state === 'nothread');
        if (ctx.jobBlocked()) return 'Not sent: the first receiver on jobs has no thread, and a send to it would fail ' +
          '(DeadTaskletError). The box under the picture lists the tasklets without a thread; step 4 kills or revives them.';
        return n ? `${n} tasklet${n > 1 ? 's have' : ' has'} no thread` : '';
      },
    },
    {
      id: 'revival',
      title: 'Kill or revive',
      text: `<p>A tasklet with no thread can be <strong>killed</strong>, or <strong>bound to a live thread</strong>
        with <code>bind_thread()</code> and run there. Only a tasklet with nothing of its own on the C stack can
        move: worker 1's echo, written in C, can be revived on worker 2, where it answers and lives on; a JS tasklet's
        generator lived in the dead worker, so the waiters can only be killed. Then jobs can be sent again.</p>
        <p class="hint">Or click a tasklet in the picture to select it, and use the buttons under the lanes.</p>`,
      actions: [
        { id: 'tour-revive', label: 'Revive the echo on worker 2',
          why: () => (!w2()?.alive ? 'worker 2 is not running' : ctx.orphans().some((k) => k.c) ? ''
            : w1()?.alive ? 'terminate worker 1 first (step 3)' : 'no echo is left without a thread'),
          run: () => ctx.reviveEcho(w2()) },
        { id: 'tour-kill', label: 'Kill the orphaned waiters',
          why: () => (ctx.orphans().some((k) => !k.c) ? '' : w1()?.alive ? 'terminate worker 1 first (step 3)'
            : 'no waiter is left without a thread'),
          run: () => ctx.killOrphans((k) => !k.c) },
        { id: 'tour-send-again', label: 'Send a job', run: () => ctx.sendJob() },
      ],
      status: () => {
        const n = ctx.count((t) => t.state === 'nothread');
        return w1()?.alive ? '' : n ? `${n} tasklet${n > 1 ? 's' : ''} still without a thread` : 'no tasklet is left without a thread';
      },
    },
    {
      id: 'timers',
      title: 'Timers',
      text: `<p>A tasklet can wait for time: <code>yield sleep(ms)</code> parks <strong>only that tasklet</strong>
        (<span class="key s-waiting">◷ waiting</span>); the rest of its thread runs on. Start the timers: three
        tasklets on the page's thread wake every 400, 700 and 1000 ms, and one on each worker every 600 ms, for
        6 seconds. Sleepers wake in the order of their deadlines, and a thread whose tasklets sleep is never
        deadlocked.</p>
        <p>The page's thread never blocks: when all its tasklets sleep, its event loop waits in a
        <code>setTimeout</code> to the nearest deadline. A worker's scheduler sleeps in C until its deadline
        (<code>Atomics.wait</code> with a timeout). <code>yield promise</code> parks a tasklet the same way until
        the promise settles.</p>`,
      actions: [
        { id: 'tour-timers', label: 'Start the timers',
          why: () => (ctx.timersRunning() ? 'the sleepers are running' : ''), run: () => ctx.timers() },
      ],
      status: () => ctx.timersText(),
    },
    {
      id: 'deadlock',
      title: 'Deadlock',
      text: `<p>Two new workers, each with a tasklet waiting to receive from the other: no thread is left that
        could wake either. Python's threads would hang for ever; the runtime sees that nobody can ever send and
        wakes each waiting tasklet with <code>DeadlockError</code>.</p>
        <p class="hint">It runs in a frame with its own instance of the runtime: on this page the buttons can
        always send, so the page counts as a possible sender and nothing here deadlocks.</p>`,
      actions: [],
      embed: 'deadlock',
      outro: `<p>That is the tour. <strong>All controls</strong> under the picture add workers, run a ring of
        tasklets on the page's own thread, set a channel's preference or terminate any worker.</p>`,
    },
  ];
}

export class Tour {
  constructor({ list, body, prev, next, of }, ctx) {
    this.ctx = ctx;
    this.steps = steps(ctx);
    this.list = list; this.body = body; this.prevB = prev; this.nextB = next; this.of = of;
    this.index = 0;
    this.done = new Set();
    this.panels = [];
    this.buttons = new Map(); // action id -> { b, why, a }
    this.steps.forEach((s, i) => {
      const tab = h('button', { type: 'button', role: 'tab', id: `tab-${s.id}`, 'aria-controls': `step-${s.id}`,
        onclick: () => this.show(i) }, h('span', { class: 'n' }, String(i + 1)), h('span', { class: 't' }, s.title));
      list.append(h('li', {}, tab));
      const panel = h('div', { id: `step-${s.id}`, class: 'step', 'aria-labelledby': `tab-${s.id}`, hidden: '' },
        h('h3', {}, `${i + 1}. ${s.title}`), h('div', { class: 'text', html: s.text }));
      const acts = h('div', { class: 'actions' });
      for (const a of s.actions) {
        const b = h('button', { type: 'button', id: a.id, class: a.secondary ? '' : 'primary' }, a.label);
        const why = h('span', { class: 'why hint' });
        b.addEventListener('click', async () => {
          if (b.disabled) return;
          this.done.add(i);
          this.mark();
          // One column (a phone): show the picture, where the step's effect is
          // drawn; again once done (the step's text above may have grown).
          const narrow = matchMedia('(max-width: 62rem)').matches;
          if (narrow) this.ctx.reveal?.();
          try { await a.run(); } finally {
            this.update(true);
            if (narrow) this.ctx.reveal?.();
          }
        });
        acts.append(h('span', { class: 'act' }, b, why));
        this.buttons.set(a.id, { b, why, a });
      }
      if (s.actions.length) panel.append(acts);
      if (s.embed) panel.append(ctx.embed(s.embed));
      const status = h('p', { class: 'status-line', role: 'status' });
      panel.append(status);
      if (s.seed) panel.append(h('p', { class: 'seed-line' }, h('span', { class: 'seed-verdict' }), ' ',
        h('a', { href: `#seed-${s.seed}` }, 'see it beside the documented output')));
      if (s.outro) panel.append(h('div', { class: 'outro', html: s.outro }));
      body.append(panel);
      this.panels.push({ panel, status, seed: panel.querySelector('.seed-verdict'), tab });
    });
    // Arrow keys move between the steps' tabs (the tablist pattern).
    list.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      e.preventDefault();
      this.show(this.index + d);
      this.panels[this.index].tab.focus();
    });
    prev.addEventListener('click', () => this.show(this.index - 1));
    next.addEventListener('click', () => this.show(this.index + 1));
    this.show(0);
  }

  show(i) {
    this.index = Math.max(0, Math.min(this.steps.length - 1, i));
    this.panels.forEach((p, k) => {
      p.panel.hidden = k !== this.index;
      p.tab.setAttribute('aria-selected', String(k === this.index));
      p.tab.tabIndex = k === this.index ? 0 : -1;
    });
    this.prevB.disabled = this.index === 0;
    this.nextB.disabled = this.index === this.steps.length - 1;
    this.of.textContent = `step ${this.index + 1} of ${this.steps.length}`;
    document.body.dataset.step = this.steps[this.index].id;
    this.update(true);
    this.ctx.onStep?.(this.steps[this.index].id);
  }

  mark() {
    this.panels.forEach((p, k) => p.tab.classList.toggle('done', this.done.has(k)));
  }

  // Buttons' enabled state and the status lines (from the runtime's state).
  update(force = false) {
    const now = performance.now();
    if (!force && now - (this.lastUpdate ?? 0) < 150) return;
    this.lastUpdate = now;
    const ready = this.ctx.ready();
    for (const { b, why, a } of this.buttons.values()) {
      const reason = !ready ? (this.ctx.readyWhy() || 'starting…') : a.why?.() ?? '';
      b.disabled = !!reason;
      if (why.textContent !== reason) why.textContent = reason;
    }
    const s = this.steps[this.index], p = this.panels[this.index];
    const st = ready ? s.status?.() ?? '' : '';
    if (p.status.textContent !== st) p.status.textContent = st;
    if (p.seed) {
      const v = this.ctx.seedVerdict(s.seed);
      if (p.seed.textContent !== v.text) { p.seed.textContent = v.text; p.seed.className = `seed-verdict ${v.cls}`; }
    }
  }
}
