// The page's model: every event the server sent, in order; the stops
// (events that start a step of their message, as the server marks them);
// and the cursor, the last stop shown. Events after the next stop stay
// hidden, so the next step's result is not seen before it happens.

import { api, failure, deferral, code } from './util.js';

// keep bounds the events the page holds, as the server bounds its own: a
// page left open on a busy network forgets the oldest tenth at a time.
const keep = 60000;

export class Model {
  constructor(onChange) {
    this.events = [];
    this.stops = [];          // indexes into events
    this.bySeq = new Map();   // seq → index
    this.byMsg = new Map();   // msg → indexes
    this.cursor = -1;         // index into stops; -1: before the first
    this.follow = false;      // live: the cursor follows the last stop
    this.control = { mode: 'live' };
    this.wantStep = null;     // a step asked of the world, shown when it comes
    this.connected = false;
    this.onChange = onChange;
    this.es = null;
    this.sawControl = false;
    this.startAt = 0;         // ?at=N: open at stop N
  }

  lastSeq() { return this.events.length ? this.events[this.events.length - 1].seq : 0; }

  // load reads what already happened, page by page, then streams the rest.
  async load(lang, stream = true) {
    const ctl = await api('/api/control');
    this.onControl(ctl);
    for (;;) {
      const page = await api(`/api/events?lang=${lang}&limit=5000&after=${this.lastSeq()}`);
      const stops = new Set(page.stops);
      for (const e of page.events) this.add(e, stops.has(e.seq));
      if (!page.events.length || page.last >= page.latest) break;
    }
    if (stream) this.connect(lang);
  }

  onControl(ctl) {
    this.control = ctl;
    if (!this.sawControl && this.control.mode === 'live' && !this.startAt) {
      this.follow = true; // a live network: show it as it runs; Back and Step go through what happened
      this.cursor = this.stops.length - 1;
    }
    this.sawControl = true;
    this.onChange();
  }

  connect(lang) {
    if (this.es) this.es.close();
    const es = new EventSource(`/api/events/stream?lang=${lang}&after=${this.lastSeq()}`);
    es.addEventListener('event', (m) => this.add(JSON.parse(m.data), false));
    es.addEventListener('stop', (m) => this.add(JSON.parse(m.data), true));
    es.addEventListener('control', (m) => this.onControl(JSON.parse(m.data)));
    es.onopen = () => { this.connected = true; this.onChange(); };
    es.onerror = () => { this.connected = false; this.onChange(); };
    this.es = es;
  }

  add(e, stop) {
    if (this.bySeq.has(e.seq)) return;
    const i = this.events.length;
    this.events.push(e);
    this.bySeq.set(e.seq, i);
    if (e.msg) {
      if (!this.byMsg.has(e.msg)) this.byMsg.set(e.msg, []);
      this.byMsg.get(e.msg).push(i);
    }
    if (stop) {
      this.stops.push(i);
      if (this.follow) this.cursor = this.stops.length - 1;
      if (this.startAt && this.stops.length === this.startAt && this.cursor === -1) this.cursor = this.startAt - 1; // ?at=N
      if (this.wantStep !== null && this.stops.length > this.wantStep) {
        this.cursor = this.wantStep;
        this.wantStep = null;
      }
    }
    if (this.events.length > keep) this.trim(Math.floor(keep / 10));
    this.onChange();
  }

  // trim forgets the oldest n events and re-indexes the rest.
  trim(n) {
    const old = this.events;
    const dropped = this.stops.filter((i) => i < n).length;
    this.events = [];
    this.stops = [];
    this.bySeq = new Map();
    this.byMsg = new Map();
    const stopSet = new Set(old.length ? this.stopsOf(old) : []);
    for (let i = n; i < old.length; i++) {
      const e = old[i];
      const j = this.events.length;
      this.events.push(e);
      this.bySeq.set(e.seq, j);
      if (e.msg) {
        if (!this.byMsg.has(e.msg)) this.byMsg.set(e.msg, []);
        this.byMsg.get(e.msg).push(j);
      }
      if (stopSet.has(e.seq)) this.stops.push(j);
    }
    this.cursor = Math.max(-1, this.cursor - dropped);
    if (this.wantStep !== null) this.wantStep = Math.max(0, this.wantStep - dropped);
  }

  stopsOf(events) { return this.stops.map((i) => events[i].seq); }

  // relabel fetches every event's text in another language, then streams
  // on in it.
  async relabel(lang) {
    const streaming = !!this.es;
    let after = 0;
    const last = this.lastSeq();
    while (after < last) {
      const page = await api(`/api/events?lang=${lang}&limit=5000&after=${after}`);
      if (!page.events.length) break;
      for (const e of page.events) {
        const i = this.bySeq.get(e.seq);
        if (i !== undefined) this.events[i].text = e.text;
      }
      after = page.last;
    }
    if (streaming) this.connect(lang);
    this.onChange();
  }

  // end is the index after the last visible event.
  end() {
    const next = this.stops[this.cursor + 1];
    return next === undefined ? this.events.length : next;
  }

  current() { return this.cursor >= 0 ? this.events[this.stops[this.cursor]] : null; }

  // focus is the message and step the current stop is about: the step a
  // message starts, or, for the stop just after a failure, the failure's.
  focus() {
    if (this.cursor < 0) return null;
    const i = this.stops[this.cursor];
    const before = this.events[i - 1];
    if (before && before.msg && before.step >= 1 && (failure(before) || deferral(before))) {
      return { msg: before.msg, step: before.step, failure: true };
    }
    const e = this.events[i];
    return e.msg && e.step >= 1 ? { msg: e.msg, step: e.step } : null;
  }

  stepMode() { return this.control.mode === 'step'; }
  // held is what the world waits before: a step, or ({step: 0}) the moment
  // just after a failure.
  held() {
    if (!this.stepMode() || !this.control.held) return null;
    return this.control.waiting || { step: 0, msg: '' };
  }
  hiddenStops() { return this.stops.length - 1 - this.cursor; }

  forward() {
    this.follow = false;
    if (this.cursor + 1 < this.stops.length) {
      this.cursor++;
      this.onChange();
      return true;
    }
    if (this.held() && this.wantStep === null) {
      this.wantStep = this.stops.length;
      api('/api/control', { method: 'POST', body: { action: 'step' } }).catch(() => { this.wantStep = null; });
      return true;
    }
    return false;
  }

  back() {
    this.follow = false;
    this.wantStep = null;
    this.cursor = Math.max(-1, this.cursor - 1);
    this.onChange();
  }

  toStart() {
    this.follow = false;
    this.wantStep = null;
    this.cursor = -1;
    this.onChange();
  }

  // live shows everything and follows; in step mode it lets the world run.
  live() {
    this.follow = true;
    this.cursor = this.stops.length - 1;
    if (this.stepMode()) api('/api/control', { method: 'POST', body: { action: 'play', interval_ms: 0 } }).catch(() => {});
    this.onChange();
  }

  // window returns the indexes of the events of the current step: from its
  // stop to the next one (or everything before the first stop).
  window() {
    const from = this.cursor >= 0 ? this.stops[this.cursor] : 0;
    const out = [];
    for (let i = from; i < this.end(); i++) out.push(i);
    return out;
  }

  // messageIds lists the messages seen up to the visible end, in order.
  messageIds(end = this.end()) {
    const out = [];
    for (const [id, idx] of this.byMsg) if (idx[0] < end) out.push(id);
    return out;
  }

  // stepStates tells, for one message, how far each step got in what is
  // visible: '' not reached, done, waiting (refused for now), failed.
  stepStates(msg, end = this.end()) {
    const st = ['', '', '', '', '', '', ''];
    for (const i of this.byMsg.get(msg) || []) {
      if (i >= end) break;
      const e = this.events[i];
      if (e.step < 1 || e.step > 6) continue;
      if (failure(e)) st[e.step] = 'failed';
      else if (st[e.step] === 'failed') continue;
      else if (deferral(e)) st[e.step] = 'waiting';
      else if (st[e.step] === '' || opens(e.kind)) st[e.step] = 'done';
    }
    return st;
  }

  // outcome is a message's last known state in what is visible.
  outcome(msg, end = this.end()) {
    let state = '';
    for (const i of this.byMsg.get(msg) || []) {
      if (i >= end) break;
      const e = this.events[i];
      if (e.kind === 'mailbox.store') state = 'delivered';
      else if (e.kind === 'dsn.sent' && e.state === 'failed') state = 'bounced';
      else if (e.kind === 'queue.retry' || e.kind === 'queue.deferred') state = state === 'delivered' ? state : 'queued';
      else if (e.kind === 'queue.failed') state = 'failed';
      else if (e.kind === 'message.dropped') state = 'dropped';
      else if (e.kind === 'smtp.reply' && (e.actor || '').startsWith('client:') && (code(e) >= 400 || e.local)) state = 'rejected';
    }
    return state || 'in flight';
  }
}

// opens: an event that begins a step's work (a new attempt of it).
export function opens(kind) {
  return kind === 'route.decision' || kind.endsWith('.connect') || kind.endsWith('.query');
}
