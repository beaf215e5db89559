// picture.js -- the live picture: one lane per scheduler (the page's thread,
// each worker, and "no thread" for tasklets whose thread died), tasklets
// drawn by state, channels with balance, preference, waiting queues and the
// messages passing through them.  Redrawn from the runtime's state at every
// animation frame; DOM nodes are kept and only changed fields are written.
//
// Ended tasklets are not drawn (an ended tasklet's thread_id is -1 too, and
// drawn in the no-thread lane it would read as an orphan): the counts say
// how many the runtime still holds.
import { STATES, countByState, preferenceOf } from './introspect.js';

export const STATE_INFO = {
  running: { glyph: '▶', label: 'running' },
  runnable: { glyph: '…', label: 'runnable' },
  blocked_send: { glyph: '↑', label: 'blocked on send' },
  blocked_recv: { glyph: '↓', label: 'blocked on receive' },
  paused: { glyph: '‖', label: 'paused' },
  nothread: { glyph: '∅', label: 'no thread' },
  dead: { glyph: '✕', label: 'ended (not drawn)' },
  waiting: { glyph: '◷', label: 'waiting for a timer' },
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function setText(e, t) { if (e.textContent !== t) e.textContent = t; }
function setAttr(e, k, v) { if (e.getAttribute(k) !== v) e.setAttribute(k, v); }

export function shortId(h) { return '#' + (h & 0x1fffff); }

export class Picture {
  // root: element for the lanes; chanBody: <tbody> of the channel table;
  // countsEl: list of counts per state.  onSelect(handle), onPreference(ch, p).
  constructor({ lanes, chanBody, counts, onSelect, onPreference }) {
    this.lanesEl = lanes;
    this.chanBody = chanBody;
    this.countsEl = counts;
    this.onSelect = onSelect;
    this.onPreference = onPreference;
    this.lanes = new Map();  // thread id -> { root, title, meta, chips, nodes: Map }
    this.rows = new Map();   // channel handle -> row parts
    this.selected = 0;
    this.countNodes = new Map();
    for (const s of STATES) {
      const li = el('li', `count s-${s}`);
      li.dataset.state = s;
      const g = el('span', 'glyph', STATE_INFO[s].glyph);
      g.setAttribute('aria-hidden', 'true');
      const b = el('b', null, '0');
      li.append(g, ` ${STATE_INFO[s].label} `, b);
      this.countsEl.append(li);
      this.countNodes.set(s, b);
    }
  }

  // snap: from introspect.js.  ctx: { threads: [{ id, label }], names:
  // Map handle -> { name }, channels: [{ ch, name }], flow: Map handle ->
  // { total, recent } }.
  render(snap, ctx) {
    // Counts per state, over every tasklet the runtime reported.
    const c = countByState(snap.tasklets);
    for (const s of STATES) setText(this.countNodes.get(s), String(c[s]));
    this.countsEl.dataset.total = String(snap.tasklets.length);

    // Lanes: the threads the page knows (in its order), then any other live
    // thread the runtime reports, then "no thread".
    const order = [];
    const seen = new Set();
    for (const t of ctx.threads) { order.push(t); seen.add(t.id); }
    for (const t of snap.threads ?? []) if (!seen.has(t.id)) { order.push({ id: t.id, label: `thread ${t.id}` }); seen.add(t.id); }
    const byThread = new Map(order.map((t) => [t.id, []]));
    byThread.set(-1, []);
    for (const t of snap.tasklets) {
      if (t.state === 'dead') continue;
      const key = t.state === 'nothread' || t.thread === -1 ? -1 : t.thread;
      if (!byThread.has(key)) { byThread.set(key, []); order.push({ id: key, label: `thread ${key}` }); }
      byThread.get(key).push(t);
    }
    // Within a lane: the main tasklet first, then in the order they were made.
    const isMain = (x) => (ctx.names.get(x.handle)?.main ? 0 : 1);
    for (const list of byThread.values()) list.sort((a, b) => isMain(a) - isMain(b) || (a.handle & 0x1fffff) - (b.handle & 0x1fffff));
    order.push({ id: -1, label: 'no thread', note: 'thread_id -1: their thread died' });
    const keep = new Set();
    let prev = null;
    for (const t of order) {
      if (keep.has(t.id)) continue;
      keep.add(t.id);
      const lane = this.lane(t);
      if (prev ? lane.root.previousElementSibling !== prev.root : lane.root !== this.lanesEl.firstElementChild)
        prev ? prev.root.after(lane.root) : this.lanesEl.prepend(lane.root);
      this.fillLane(lane, t, byThread.get(t.id) ?? [], ctx);
      prev = lane;
    }
    for (const [id, lane] of this.lanes) if (!keep.has(id)) { lane.root.remove(); this.lanes.delete(id); }

    // Channels.  A balance is counted from the snapshot (senders waiting
    // minus receivers waiting, those without a thread included: they are
    // still in the queue), not asked of the runtime per channel: each
    // question takes the runtime's lock, which the page's thread waits for
    // by spinning while the workers hold it.
    const waiting = new Map(); // channel handle -> [tasklet]
    const balance = new Map();
    for (const t of snap.tasklets)
      if (t.channel && (t.state === 'blocked_send' || t.state === 'blocked_recv' || t.state === 'nothread')) {
        if (!waiting.has(t.channel)) waiting.set(t.channel, []);
        waiting.get(t.channel).push(t);
        const dir = t.state === 'blocked_send' ? 1 : t.state === 'blocked_recv' ? -1 : ctx.direction?.(t.handle, t.channel) ?? 0;
        balance.set(t.channel, (balance.get(t.channel) ?? 0) + dir);
      }
    const keepRows = new Set();
    let prevRow = null;
    for (const { ch, name } of ctx.channels) {
      if (!ch.h) continue;
      keepRows.add(ch.h);
      const row = this.row(ch, name);
      if (prevRow ? row.tr.previousElementSibling !== prevRow.tr : row.tr !== this.chanBody.firstElementChild)
        prevRow ? prevRow.tr.after(row.tr) : this.chanBody.prepend(row.tr);
      this.fillRow(row, ch, waiting.get(ch.h) ?? [], balance.get(ch.h) ?? 0, ctx);
      prevRow = row;
    }
    for (const [h, row] of this.rows) if (!keepRows.has(h)) { row.tr.remove(); this.rows.delete(h); }
  }

  lane(t) {
    let lane = this.lanes.get(t.id);
    if (lane) return lane;
    const root = el('section', 'lane');
    root.dataset.thread = String(t.id);
    const head = el('header', 'lane-head');
    const title = el('h3');
    const meta = el('span', 'lane-meta');
    head.append(title, meta);
    const chips = el('div', 'chips');
    chips.setAttribute('role', 'list');
    root.append(head, chips);
    lane = { root, title, meta, chips, nodes: new Map(), more: null };
    this.lanes.set(t.id, lane);
    return lane;
  }

  fillLane(lane, t, list, ctx) {
    setText(lane.title, t.id === -1 ? 'no thread' : `${t.label}`);
    lane.root.classList.toggle('nothread', t.id === -1);
    lane.root.classList.toggle('page', t.id !== -1 && t.label === ctx.threads[0]?.label);
    const meta = t.id === -1 ? (t.note ?? '') : `thread ${t.id} · ${list.length} tasklet${list.length === 1 ? '' : 's'}`;
    setText(lane.meta, meta);
    lane.root.dataset.count = String(list.length);
    const keep = new Set();
    let prev = null;
    for (const x of list) {
      keep.add(x.handle);
      const chip = this.chip(lane, x.handle);
      if (prev ? chip.b.previousElementSibling !== prev.b : chip.b !== lane.chips.firstElementChild)
        prev ? prev.b.after(chip.b) : lane.chips.prepend(chip.b);
      this.fillChip(chip, x, ctx);
      prev = chip;
    }
    for (const [h, chip] of lane.nodes) if (!keep.has(h)) { chip.b.remove(); lane.nodes.delete(h); }
    const emptyText = t.id === -1 ? 'none: a tasklet lands here when its thread dies' : 'no tasklets';
    if (!list.length && !lane.chips.querySelector('.empty')) lane.chips.append(el('span', 'empty', emptyText));
    else if (list.length) lane.chips.querySelector('.empty')?.remove();
  }

  // The element messages of a tasklet start or end at: its chip, else its
  // thread's lane (its title).
  anchor(thread, handle) {
    for (const lane of this.lanes.values()) {
      const chip = handle && lane.nodes.get(handle);
      if (chip) return chip.b;
    }
    return this.lanes.get(thread)?.root ?? null;
  }

  chip(lane, h) {
    let chip = lane.nodes.get(h);
    if (chip) return chip;
    const b = el('button', 'tk');
    b.type = 'button';
    b.dataset.handle = String(h);
    b.setAttribute('role', 'listitem');
    const g = el('span', 'glyph');
    g.setAttribute('aria-hidden', 'true');
    const name = el('span', 'nm');
    const st = el('span', 'st');
    b.append(g, name, st);
    b.addEventListener('click', () => this.onSelect?.(h));
    chip = { b, g, name, st, key: '' };
    lane.nodes.set(h, chip);
    return chip;
  }

  fillChip(chip, x, ctx) {
    const info = ctx.names.get(x.handle);
    const chName = x.channel ? ctx.chanNames.get(x.channel) ?? `channel ${shortId(x.channel)}` : '';
    const sel = this.selected === x.handle;
    const key = `${x.state}|${chName}|${info?.name}|${sel}`;
    if (key === chip.key) return;
    chip.key = key;
    chip.b.className = `tk s-${x.state}${sel ? ' selected' : ''}${info?.main ? ' main' : ''}`;
    chip.b.dataset.state = x.state;
    setAttr(chip.b, 'aria-pressed', String(sel));
    const name = `${info?.name ?? 'tasklet'} ${shortId(x.handle)}`;
    setText(chip.g, STATE_INFO[x.state].glyph);
    setText(chip.name, name);
    const where = x.state === 'blocked_send' ? `send → ${chName}` : x.state === 'blocked_recv' ? `receive ← ${chName}`
      : x.state === 'nothread' && chName ? `no thread (on ${chName})` : STATE_INFO[x.state].label;
    setText(chip.st, where);
    chip.b.title = `${name}: ${where} (handle ${x.handle})`;
    setAttr(chip.b, 'aria-label', `${name}, ${where}${sel ? ', selected' : ''}`);
  }

  row(ch, name) {
    let row = this.rows.get(ch.h);
    if (row) return row;
    const tr = el('tr');
    tr.dataset.channel = String(ch.h);
    const tdName = el('th', 'ch-name', name);
    tdName.scope = 'row';
    const tdBal = el('td', 'ch-bal');
    const tdPref = el('td', 'ch-pref');
    const sel = el('select');
    sel.setAttribute('aria-label', `preference of ${name}`);
    for (const [v, t] of [[-1, '-1 receiver'], [0, '0 neither'], [1, '1 sender']]) {
      const o = el('option', null, t);
      o.value = String(v);
      sel.append(o);
    }
    sel.addEventListener('change', () => this.onPreference?.(ch, Number(sel.value)));
    tdPref.append(sel);
    const tdQ = el('td', 'ch-queue');
    const tdFlow = el('td', 'ch-flow');
    const track = el('div', 'track');
    track.setAttribute('aria-hidden', 'true');
    const total = el('span', 'ch-total');
    tdFlow.append(track, total);
    tr.append(tdName, tdBal, tdPref, tdQ, tdFlow);
    row = { tr, tdBal, sel, tdQ, track, total, lastTotal: 0, key: '', pref: NaN, prefAt: -Infinity };
    this.rows.set(ch.h, row);
    return row;
  }

  // The preference is asked of the runtime when the row is made, when the
  // page sets it, and once a second.
  refreshPreference(ch) { const row = this.rows.get(ch.h); if (row) row.prefAt = -Infinity; }

  fillRow(row, ch, waiters, bal, ctx) {
    const now = performance.now();
    if (now - row.prefAt > 1000) {
      try { row.pref = preferenceOf(ch); } catch { row.pref = NaN; }
      row.prefAt = now;
    }
    const pref = row.pref;
    const balText = Number.isNaN(bal) ? '—' : bal > 0 ? `+${bal} (senders wait)` : bal < 0 ? `${bal} (receivers wait)` : '0';
    setText(row.tdBal, balText);
    row.tr.dataset.balance = String(bal);
    row.tr.dataset.preference = String(pref);
    if (document.activeElement !== row.sel && row.sel.value !== String(pref)) row.sel.value = String(pref);
    const q = waiters.map((t) => `${STATE_INFO[t.state].glyph}${ctx.names.get(t.handle)?.name ?? 'tasklet'} ${shortId(t.handle)}`).join(', ');
    setText(row.tdQ, q || '—');
    const f = ctx.flow.get(ch.h);
    const totalNow = f?.total ?? 0;
    setText(row.total, totalNow ? `${totalNow.toLocaleString('en')} passed` : '');
    // Messages as they pass: a dot slides along the track for new traffic
    // (at most a few per frame: the figure beside it has the count).
    const fresh = totalNow - row.lastTotal;
    row.lastTotal = totalNow;
    if (fresh > 0 && row.track.childElementCount < 6) {
      const d = el('span', 'dot');
      d.addEventListener('animationend', () => d.remove());
      row.track.append(d);
    }
  }
}
