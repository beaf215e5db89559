// flow.js -- messages drawn between the lanes as they pass: an arc from the
// sending tasklet (or its lane) to the receiving one, with dots running
// along it while messages arrive, labelled with the channel and how many
// passed.  An SVG laid over the lanes; redrawn at every animation frame,
// after the picture, so that the arcs follow the chips as lanes reflow.
//
// A burst of 100,000 messages is not 100,000 dots: each route spawns a dot
// at most every SPAWN_MS while it has messages pending (at most MAX_DOTS in
// flight) and its label counts them all.
const NS = 'http://www.w3.org/2000/svg';
const TRAVEL_MS = 700;
const SPAWN_MS = 110;
const MAX_DOTS = 7;
const LINGER_MS = 1600;

function svg(tag, attrs = {}) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export class Flow {
  // root: the <svg>; wrap: the element it covers; anchor(thread, handle):
  // the element to start or end at (a chip, else its lane), or null.
  constructor({ root, wrap, anchor }) {
    this.root = root;
    this.wrap = wrap;
    this.anchor = anchor;
    this.routes = new Map(); // key -> route
    this.reduced = matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.total = 0;          // messages drawn since the page loaded (for tests)
    const defs = svg('defs');
    const marker = svg('marker', { id: 'flow-head', viewBox: '0 0 10 10', refX: '9', refY: '5',
      markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'flow-head' }));
    defs.append(marker);
    root.append(defs);
  }

  // n messages passed on channel `label` from { thread, handle } to { thread, handle }.
  add(from, to, label, n = 1) {
    if (!(n > 0)) return;
    this.total += n;
    const key = `${from.thread}:${from.handle ?? 0}>${to.thread}:${to.handle ?? 0}|${label}`;
    let r = this.routes.get(key);
    if (!r) {
      const g = svg('g', { class: 'route' });
      const path = svg('path', { class: 'flow-path', 'marker-end': 'url(#flow-head)' });
      const text = svg('text', { class: 'flow-label' });
      g.dataset.channel = label;
      g.append(path, text);
      this.root.append(g);
      r = { key, from, to, label, g, path, text, pending: 0, count: 0, dots: [], lastSpawn: -1e9, last: 0 };
      this.routes.set(key, r);
    }
    r.pending += n;
    r.count += n;
    r.last = performance.now();
    r.from = from; r.to = to;
  }

  // Where an arc starts or ends: the middle of the chip's (or lane's) side
  // facing the other end.
  point(end, other, box) {
    const el = this.anchor(end.thread, end.handle);
    if (!el) return null;
    const b = el.getBoundingClientRect();
    if (!b.width && !b.height) return null;
    const o = this.anchor(other.thread, other.handle)?.getBoundingClientRect() ?? b;
    const cx = b.left + b.width / 2, cy = b.top + b.height / 2;
    const ox = o.left + o.width / 2, oy = o.top + o.height / 2;
    // Side by side: leave from the facing side; one above the other: from top or bottom.
    if (Math.abs(ox - cx) > b.width / 2) return { x: (ox > cx ? b.right : b.left) - box.left, y: cy - box.top };
    return { x: cx - box.left, y: (oy > cy ? b.bottom : b.top) - box.top };
  }

  frame(now) {
    if (!this.routes.size) return;
    const box = this.wrap.getBoundingClientRect();
    if (this.root.getAttribute('width') !== String(box.width)) {
      this.root.setAttribute('width', String(box.width));
      this.root.setAttribute('height', String(box.height));
      this.root.setAttribute('viewBox', `0 0 ${box.width} ${box.height}`);
    }
    // Read every end first, then write: a read after a write would make
    // the browser lay the page out again inside this script.
    const ends = new Map();
    for (const [key, r] of this.routes) {
      const idle = now - r.last;
      if (idle > LINGER_MS && !r.dots.length && r.pending === 0) continue;
      ends.set(key, [this.point(r.from, r.to, box), this.point(r.to, r.from, box)]);
    }
    for (const [key, r] of this.routes) {
      const idle = now - r.last;
      if (!ends.has(key)) { r.g.remove(); this.routes.delete(key); continue; }
      const [a, b] = ends.get(key);
      if (!a || !b) { r.g.setAttribute('visibility', 'hidden'); r.pending = 0; continue; }
      r.g.removeAttribute('visibility');
      // A quadratic arc bowed to one side, so that opposite routes do not overlap.
      const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1;
      const bow = Math.max(22, Math.min(70, 0.3 * len));
      const c = { x: mx - (dy / len) * bow, y: my + (dx / len) * bow };
      r.path.setAttribute('d', `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${c.x.toFixed(1)},${c.y.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`);
      const at = (t) => ({ x: (1 - t) * (1 - t) * a.x + 2 * (1 - t) * t * c.x + t * t * b.x,
        y: (1 - t) * (1 - t) * a.y + 2 * (1 - t) * t * c.y + t * t * b.y });
      // The label outside the arc, nearer its end (two opposite arcs between
      // the same chips then label different ends).
      const mid = at(0.68), nx = -(dy / len), ny = dx / len;
      r.text.setAttribute('x', (mid.x + nx * 12).toFixed(1));
      r.text.setAttribute('y', (mid.y + ny * 12 + 4).toFixed(1));
      const t = `${r.label} ×${r.count.toLocaleString('en')}`;
      if (r.text.textContent !== t) r.text.textContent = t;
      r.g.style.opacity = idle > LINGER_MS / 2 ? String(Math.max(0.15, 1 - (idle - LINGER_MS / 2) / (LINGER_MS / 2))) : '1';
      // Dots: one more when messages are pending, the others move on.
      if (r.pending > 0 && r.dots.length < MAX_DOTS && now - r.lastSpawn >= SPAWN_MS) {
        const dot = svg('circle', { r: '5', class: 'flow-dot' });
        r.g.append(dot);
        r.dots.push({ dot, t0: now });
        r.lastSpawn = now;
        r.pending = Math.max(0, r.pending - Math.max(1, Math.ceil(r.pending / MAX_DOTS)));
      }
      r.dots = r.dots.filter((d) => {
        const k = this.reduced ? 1 : (now - d.t0) / TRAVEL_MS;
        if (k >= 1) { d.dot.remove(); return false; }
        const e = k < 0.5 ? 2 * k * k : 1 - 2 * (1 - k) * (1 - k); // ease in and out
        const p = at(e);
        d.dot.setAttribute('cx', p.x.toFixed(1));
        d.dot.setAttribute('cy', p.y.toFixed(1));
        return true;
      });
    }
  }

  // Routes drawn now: [{ from, to, label, count }] (for tests).
  active() {
    return [...this.routes.values()].map((r) => ({ from: r.from.thread, to: r.to.thread, label: r.label, count: r.count }));
  }
}
