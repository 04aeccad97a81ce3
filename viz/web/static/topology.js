// The network drawn from /api/hosts: the users' mail clients on the left,
// the DNS server on top, one column per domain with its hosts, a mailbox
// tray beside the host that stores the domain's mail. Envelopes move along
// what the events say happened; DNS is a side trip; refusals are marked on
// the host where they happened.

import { s, clear, failure, deferral, clientSide } from './util.js';
import { t } from './i18n.js';

const W = 1000;
const maxEnvelopes = 40;

export class Topology {
  constructor(svg, topo) {
    this.svg = svg;
    this.topo = topo;
    this.nodes = new Map();   // name or address → node
    this.positions = new Map(); // msg → last drawn {x, y}
    this.layout();
    this.draw();
  }

  // layout places the domains in a grid, at most two columns up to four
  // domains, three beyond, each domain's hosts stacked in its box.
  layout() {
    const doms = this.topo.domains;
    const nd = Math.max(1, doms.length);
    const cols = nd <= 2 ? nd : nd <= 4 ? 2 : 3;
    const rows = Math.ceil(nd / cols);
    const colW = (W - 190) / cols;
    const top = 112;
    const rowY = [];
    let y = top;
    for (let r = 0; r < rows; r++) {
      rowY.push(y);
      const most = Math.max(1, ...doms.slice(r * cols, r * cols + cols).map((d) => d.hosts.length));
      y += 62 + most * 118;
    }
    this.H = y + 4;
    this.dns = { name: 'dns', kind: 'dns', x: 595, y: 46, w: 180, h: 58, label: t('node.dns'), sub: this.topo.dns.address };
    this.clients = { name: 'clients', kind: 'clients', x: 88, y: Math.max(top + 90, (top + this.H) / 2 - 20), w: 150, h: 70,
      label: t('node.clients'), sub: this.topo.clients.address };
    this.put(this.dns, ['dns', this.topo.dns.address]);
    this.put(this.clients, ['clients', this.topo.clients.address]);
    this.boxes = [];
    const byName = new Map(this.topo.hosts.map((h) => [h.name, h]));
    doms.forEach((d, i) => {
      const r = Math.floor(i / cols), c = i % cols;
      const nextRow = r + 1 < rows ? rowY[r + 1] : this.H;
      const box = { name: d.name, x: 190 + c * colW + 6, y: rowY[r], w: colW - 12, h: nextRow - rowY[r] - 10 };
      this.boxes.push(box);
      d.hosts.forEach((name, j) => {
        const host = byName.get(name);
        const mailbox = host.roles.includes('mailbox');
        const w = Math.min(250, box.w - (mailbox ? 78 : 20));
        const n = { name, kind: 'host', host, x: box.x + 10 + w / 2, y: box.y + 82 + j * 118, w, h: 66,
          label: name, sub: host.address + (host.mx ? ` · MX ${host.mx}` : '') };
        if (mailbox) n.tray = { x: n.x + w / 2 + 36, y: n.y };
        this.put(n, [name, host.address]);
      });
    });
    this.svg.setAttribute('viewBox', `0 0 ${W} ${this.H}`);
  }

  put(node, keys) { for (const k of keys) this.nodes.set(k, node); }

  // node finds where an event's actor or peer is drawn: a simulated host,
  // the DNS server, or the mail clients (client:ADDRESS, an outside one).
  node(name) {
    if (!name || name === '-') return null;
    return this.nodes.get(name) || this.nodes.get(name.toLowerCase()) || this.clients;
  }

  draw() {
    const svg = clear(this.svg);
    const defs = s('defs', {},
      s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 14, markerHeight: 14, markerUnits: 'userSpaceOnUse', orient: 'auto' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' })));
    svg.append(defs);
    const base = s('g', { class: 'base' });
    for (const b of this.boxes) {
      base.append(s('rect', { class: 'domain', x: b.x, y: b.y, width: b.w, height: b.h, rx: 14 }),
        s('text', { class: 'domain-name', x: b.x + 14, y: b.y + 26, text: b.name }));
    }
    const hosts = [...new Set(this.nodes.values())].filter((n) => n.kind === 'host');
    const line = (cls, a, b) => {
      const p = this.edge(a, b), q = this.edge(b, a);
      return s('line', { class: cls, x1: p.x, y1: p.y, x2: q.x, y2: q.y });
    };
    for (const n of hosts) {
      base.append(line('link dns-link', n, this.dns));
      if (n.host.roles.includes('submission')) base.append(line('link', this.clients, n));
    }
    this.hops = s('g', { class: 'hops' });
    const nodes = s('g', { class: 'nodes' });
    for (const n of [this.dns, this.clients, ...hosts]) nodes.append(this.drawNode(n));
    this.marks = s('g', { class: 'marks' });
    this.envelopes = s('g', { class: 'envelopes' });
    svg.append(base, this.hops, nodes, this.marks, this.envelopes);
    this.drawn = (this.drawn || 0) + 1; // the next update redraws everything
    this.scan = null;
    this.positions = new Map();
  }

  drawNode(n) {
    const g = s('g', { class: `node ${n.kind}`, transform: `translate(${n.x},${n.y})`, 'data-node': n.name });
    const fs = Math.max(13, Math.min(20, n.w / 10.5));
    if (n.kind === 'clients') {
      g.append(s('rect', { class: 'screen', x: -44, y: -34, width: 88, height: 50, rx: 5 }),
        s('path', { class: 'laptop', d: 'M-58,18 h116 l-10,12 h-96 z' }));
      g.append(s('text', { class: 'label', y: 54, 'font-size': 18, text: n.label }), s('text', { class: 'sub', y: 74, 'font-size': 15, text: n.sub }));
      return g;
    }
    g.append(s('rect', { class: 'box', x: -n.w / 2, y: -n.h / 2, width: n.w, height: n.h, rx: 10 }));
    g.append(s('text', { class: 'label', y: -5, 'font-size': fs, text: n.label }));
    g.append(s('text', { class: 'sub', y: 19, 'font-size': Math.max(12, fs - 4), text: n.sub }));
    if (n.host) {
      const roles = n.host.roles.filter((r) => r !== 'mailbox').map((r) => t('role.' + r)).join(' · ');
      g.append(s('text', { class: 'roles', y: n.h / 2 + 20, text: roles }));
    }
    if (n.tray) {
      const x = n.tray.x - n.x;
      g.append(s('g', { class: 'tray', transform: `translate(${x},0)` },
        s('rect', { x: -24, y: -22, width: 48, height: 44, rx: 5 }),
        s('path', { d: 'M-24,5 h13 l4,8 h14 l4,-8 h13' }),
        s('text', { class: 'sub', y: 40, 'font-size': 14, text: t('node.mailbox') })));
    }
    return g;
  }

  // arc is a hop drawn as a curve that bows upwards, over the mailbox
  // trays beside the hosts.
  arc(a, b) {
    const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2 - Math.min(70, Math.abs(b.x - a.x) / 4 + 20);
    const c = { x: mx, y: my, w: 0, h: 0 };
    const p = this.edge(a, c), q = this.edge(b, c);
    return `M${p.x},${p.y} Q${mx},${my} ${q.x},${q.y}`;
  }

  // edge is where a line from node a towards node b leaves a's outline.
  edge(a, b) {
    const dx = b.x - a.x, dy = b.y - a.y;
    const k = Math.min(dx ? (a.w / 2) / Math.abs(dx) : Infinity, dy ? (a.h / 2) / Math.abs(dy) : Infinity);
    return { x: a.x + dx * Math.min(1, k), y: a.y + dy * Math.min(1, k) };
  }

  // waypoints says where an event takes its message's envelope.
  waypoints(e) {
    const at = (n) => (n ? [{ x: n.x, y: n.y }] : []);
    const from = this.node(e.actor || e.host);
    const to = this.node(e.peer);
    switch (e.kind) {
      case 'smtp.connect': case 'relay.connect': return [...at(from), ...at(to)];
      case 'dns.query': return [...at(from), ...at(this.dns)];
      case 'dns.answer': return (e.actor || e.host) === 'dns' ? [] : [...at(this.dns), ...at(from)];
      case 'mailbox.store': return from && from.tray ? [...at(from), { x: from.tray.x, y: from.tray.y }] : at(from);
      case 'smtp.transcript': case 'relay.done': case 'queue.retry': case 'queue.deferred': case 'queue.failed':
      case 'dsn.sent': case 'message.dropped': case 'action.start': case 'fetch.done': case 'retrieval.fetch':
        return [];
      case 'smtp.tls': return from === this.clients ? at(to) : at(from);
    }
    return from === this.clients && to ? at(to) : at(from);
  }

  // markAt is where a refusal is marked: on the refusing side; DNS for a
  // failed lookup.
  markAt(e) {
    if (e.step === 4 || e.kind.startsWith('dns.')) return this.dns;
    const from = this.node(e.actor || e.host);
    // The sending queue's account of a refusal names the refusing peer.
    if (e.kind.startsWith('queue.') && e.peer && this.nodes.has(e.peer)) return this.nodes.get(e.peer);
    if (from === this.clients || clientSide(e)) return this.node(e.peer) || from;
    return from;
  }

  // update draws what is visible: hops taken, refusals, and the envelopes;
  // the current message's envelope moves along the current step. What was
  // seen is scanned once: under load only the new events are read.
  update(model, animate, ms) {
    const end = model.end();
    const f = model.focus();
    const cur = model.current();
    const current = f ? { msg: f.msg } : cur;
    const key = `${end}|${current ? current.msg : ''}|${this.drawn}`;
    if (key === this.lastKey && !animate) return;
    this.lastKey = key;
    if (!this.scan || end < this.scan.end || this.scan.events !== model.events) {
      this.scan = { end: 0, events: model.events, hops: new Map(), marks: new Map(), last: new Map(), auth: new Map() };
    }
    const sc = this.scan;
    for (let i = sc.end; i < end; i++) this.take(sc, model.events[i]);
    sc.end = end;
    const mine = new Set();
    for (const i of (current && model.byMsg.get(current.msg)) || []) {
      if (i >= end) break;
      const e = model.events[i];
      if (e.kind === 'relay.connect' || e.kind === 'smtp.connect') mine.add(`${(this.node(e.actor || e.host) || {}).name}>${(this.node(e.peer) || {}).name}`);
    }
    clear(this.hops);
    for (const [k, [a, b]] of sc.hops) {
      this.hops.append(s('path', { class: 'hop' + (mine.has(k) ? ' current' : ''), d: this.arc(a, b), 'marker-end': 'url(#arrow)' }));
    }
    clear(this.marks);
    for (const [n, list] of sc.marks) {
      list.slice(-3).forEach((m, k) => {
        this.marks.append(s('text', { class: `mark ${m.bad}`, x: n.x + n.w / 2 - 4, y: n.y - n.h / 2 - 8 - k * 22, 'text-anchor': 'end', 'data-seq': m.seq, text: m.text }));
      });
    }
    for (const [n, byMsg] of sc.auth) {
      const a = (current && byMsg.get(current.msg)) || [...byMsg.values()].pop();
      this.marks.append(s('text', { class: `auth-badge ${a.cls}`, x: n.x - n.w / 2 + 4, y: n.y - n.h / 2 - 8, 'data-seq': a.seq, 'data-msg': a.msg, text: a.text },
        s('title', { text: t('auth.badge', { msg: a.msg }) })));
    }
    this.drawEnvelopes(model, sc.last, current, animate, ms);
  }

  // authBadge keeps a receiving host's verdicts on the sender (auth.result)
  // per message, read from the event's fields: "SPF pass · DKIM pass ·
  // DMARC pass", and "→ reject" or "→ spam" when the server acted on them.
  authBadge(sc, e) {
    const n = this.node(e.actor || e.host);
    if (!n || n.kind !== 'host') return;
    const a = e.auth, r = (c) => (c && c.result) || 'none';
    const act = a.action && a.action !== 'accept' ? ` → ${a.action}` : '';
    const byMsg = sc.auth.get(n) || new Map();
    byMsg.delete(e.msg); // the latest last
    byMsg.set(e.msg, { msg: e.msg, seq: e.seq, cls: a.action === 'reject' ? 'failed' : a.action === 'spam' ? 'waiting' : 'pass',
      text: `SPF ${r(a.spf)} · DKIM ${r(a.dkim)} · DMARC ${r(a.dmarc)}${act}` });
    sc.auth.set(n, byMsg);
  }

  // take reads one event into the scan: where its message is, the hop it
  // made, the refusal it tells of.
  take(sc, e) {
    if (!e.msg) return;
    const wp = this.waypoints(e);
    if (wp.length) {
      sc.last.delete(e.msg); // the most recently moved come last
      sc.last.set(e.msg, wp[wp.length - 1]);
    }
    const a = this.node(e.actor || e.host), b = this.node(e.peer);
    if ((e.kind === 'relay.connect' || e.kind === 'smtp.connect') && a && b && a !== b) sc.hops.set(`${a.name}>${b.name}`, [a, b]);
    if (e.kind === 'auth.result' && e.auth) this.authBadge(sc, e);
    const bad = failure(e) ? 'failed' : deferral(e) && e.kind !== 'queue.retry' ? 'waiting' : '';
    if (!bad) return;
    const n = this.markAt(e);
    if (!n) return;
    const list = sc.marks.get(n) || [];
    const status = e.reply ? `${e.reply.code} ${e.reply.enhanced || ''}` : e.local ? e.local.status || e.local.reason : '';
    const code = [status, e.rcode && e.kind.startsWith('dns.') ? e.rcode : ''].join(' ').trim();
    const text = (bad === 'failed' ? '✖ ' : '↻ ') + (code || e.kind);
    const same = list.findIndex((m) => m.text === text);
    if (same >= 0) list.splice(same, 1); // one mark per refusal, however many sides tell of it
    list.push({ bad, text, seq: e.seq });
    sc.marks.set(n, list);
  }

  drawEnvelopes(model, last, current, animate, ms) {
    const ids = [...last.keys()].slice(-maxEnvelopes);
    const keep = new Set(ids);
    this.envelopes.classList.toggle('crowd', ids.length > 6); // many envelopes: only the current one is labelled
    for (const el of [...this.envelopes.children]) if (!keep.has(el.dataset.msg)) el.remove();
    ids.forEach((id, k) => {
      let el = this.envelopes.querySelector(`[data-msg="${CSS.escape(id)}"]`);
      if (!el) {
        el = s('g', { class: 'envelope', 'data-msg': id },
          s('rect', { x: -18, y: -12, width: 36, height: 24, rx: 3 }),
          s('path', { d: 'M-18,-12 L0,3 L18,-12' }),
          s('text', { y: 28, text: id }));
        this.envelopes.append(el);
      }
      const isCur = current && current.msg === id;
      el.classList.toggle('current', !!isCur);
      const state = model.outcome(id);
      el.classList.toggle('failed', state === 'bounced' || state === 'failed' || state === 'rejected');
      const spread = isCur ? 0 : ((k % 5) - 2) * 8; // envelopes at one place fan out a little
      const p = last.get(id);
      const target = { x: p.x + spread, y: p.y - 44 + (isCur ? 0 : 6) };
      const prev = this.positions.get(id);
      this.positions.set(id, target);
      const tf = (q) => `translate(${q.x}px, ${q.y}px)`;
      if (isCur && animate && prev) {
        const frames = [prev, ...this.stepPath(model, id).map((q) => ({ x: q.x, y: q.y - 44 })), target].map((q) => ({ transform: tf(q) }));
        el.getAnimations().forEach((a) => a.cancel());
        el.animate(frames, { duration: Math.max(300, Math.min(ms * 0.8, 400 * frames.length)), easing: 'ease-in-out' });
      }
      el.style.transform = tf(target);
    });
  }

  // stepPath lists the waypoints of the current message in the current step.
  stepPath(model, id) {
    const out = [];
    for (const i of model.window()) {
      const e = model.events[i];
      if (e.msg === id) out.push(...this.waypoints(e));
    }
    return out;
  }
}
