// The six-step strip, the narration of the current step, the list of
// messages, the event list with its filters, and the inspector.

import { h, clear, api, clock, failure, deferral } from './util.js';
import { t, getLang } from './i18n.js';

// strip draws the six steps for one message: done, current, waiting,
// failed; the step the world waits before is marked "next" with its result
// hidden.
export function renderStrip(el, model, steps, msg) {
  clear(el);
  const st = msg ? model.stepStates(msg) : ['', '', '', '', '', '', ''];
  const f = model.focus();
  const curStep = f && f.msg === msg ? f.step : 0;
  const held = model.held();
  const nextStep = model.hiddenStops() > 0 ? nextStopOf(model, msg) : held && held.msg === msg ? held.step : 0;
  for (let n = 1; n <= 6; n++) {
    let state = st[n];
    if (n === curStep && state !== 'failed' && state !== 'waiting') state = 'current';
    const info = steps[n - 1];
    const li = h('li', { class: `step ${state || 'none'}${n === nextStep ? ' next' : ''}`, 'data-step': n, 'data-state': state || 'none' },
      h('span', { class: 'num', text: `${t('step')} ${n}` }),
      h('span', { class: 'name', text: info ? info.name[getLang()] : '' }),
      h('span', { class: 'mark', text: state === 'failed' ? '✖' : state === 'waiting' ? '↻' : state ? '✔' : n === nextStep ? '?' : '' }));
    if (n === nextStep) li.title = `${t('step.next')}: ${t('step.hidden')}`;
    el.append(li);
  }
}

function nextStopOf(model, msg) {
  const i = model.stops[model.cursor + 1];
  const e = model.events[i];
  return e && e.msg === msg ? e.step : 0;
}

// narration lists what the current step's events say.
export function renderNarration(el, model, onPick) {
  clear(el);
  const idx = model.window();
  if (model.cursor < 0 && !model.stops.length) {
    el.append(h('li', { class: 'none', text: t('story.none') }));
    return;
  }
  for (const i of idx.slice(-60)) {
    const e = model.events[i];
    if (model.cursor < 0 && e.kind === 'server.listen') continue;
    const cls = failure(e) ? 'failed' : deferral(e) ? 'waiting' : i === model.stops[model.cursor] ? 'lead' : '';
    el.append(h('li', { class: cls },
      h('button', { class: 'linkish', 'data-seq': e.seq, onclick: () => onPick(e), text: e.text })));
  }
  if (!el.children.length) el.append(h('li', { class: 'none', text: t('story.none') }));
}

export function renderMessages(el, model, selected, onPick) {
  clear(el);
  const ids = model.messageIds();
  for (const id of ids.slice(-30).reverse()) { // the newest first
    const first = model.events[model.byMsg.get(id)[0]];
    const state = model.outcome(id);
    const st = model.stepStates(id);
    const path = [1, 2, 3, 4, 5, 6].filter((n) => st[n]).join('→');
    el.append(h('li', { class: id === selected ? 'selected' : '' },
      h('button', { class: 'linkish', 'data-msg': id, onclick: () => onPick(id) },
        h('strong', { text: id }), ' ',
        h('span', { class: `chip ${state.split(' ')[0]}`, text: t('state.' + state) }), ' ',
        h('span', { class: 'who', text: [first.from, first.subject && `“${first.subject}”`].filter(Boolean).join(' ') }), ' ',
        h('span', { class: 'path', text: path }))));
  }
}

// Filters of the event list, filled from what has been seen.
export class EventList {
  constructor(model, onPick) {
    this.model = model;
    this.onPick = onPick;
    this.rows = document.getElementById('event-rows');
    this.count = document.getElementById('f-count');
    this.sel = {
      step: document.getElementById('f-step'), kind: document.getElementById('f-kind'),
      host: document.getElementById('f-host'), msg: document.getElementById('f-msg'),
    };
    this.known = { step: new Set(), kind: new Set(), host: new Set(), msg: new Set() };
    for (const el of Object.values(this.sel)) el.addEventListener('change', () => this.render(true));
    this.lastKey = '';
  }

  addOptions(end) {
    for (let i = 0; i < end; i++) {
      const e = this.model.events[i];
      for (const [k, v] of [['step', String(e.step)], ['kind', e.kind], ['host', e.host], ['msg', e.msg]]) {
        if (v && !this.known[k].has(v)) {
          this.known[k].add(v);
          this.sel[k].append(h('option', { value: v, text: v }));
        }
      }
    }
  }

  render(force) {
    const m = this.model;
    const end = m.end();
    const f = Object.fromEntries(Object.entries(this.sel).map(([k, el]) => [k, el.value]));
    const key = `${end}|${JSON.stringify(f)}|${getLang()}`;
    if (!force && key === this.lastKey) return;
    this.lastKey = key;
    this.addOptions(end);
    const rows = [];
    let matched = 0;
    for (let i = end - 1; i >= 0; i--) {
      const e = m.events[i];
      if ((f.step && String(e.step) !== f.step) || (f.kind && e.kind !== f.kind) || (f.host && e.host !== f.host) || (f.msg && e.msg !== f.msg)) continue;
      matched++;
      if (rows.length < 400) rows.push(e); // newest 400: the list stays quick under load
    }
    rows.reverse();
    clear(this.rows);
    const cur = m.current();
    for (const e of rows) {
      const cls = [failure(e) ? 'failed' : deferral(e) ? 'waiting' : '', cur && cur.seq === e.seq ? 'current' : ''].join(' ');
      const tr = h('tr', { class: cls, tabindex: 0, 'data-seq': e.seq, onclick: () => this.onPick(e),
        onkeydown: (ev) => { if (ev.key === 'Enter') this.onPick(e); } },
      h('td', { text: e.seq }), h('td', { text: clock(e.time) }), h('td', { text: e.step || '' }),
      h('td', { text: e.kind }), h('td', { text: e.host }), h('td', { text: e.msg }), h('td', { text: e.text }));
      this.rows.append(tr);
    }
    this.count.textContent = t('count', { n: matched, total: end });
  }
}

const skip = new Set(['text', 'transcript', 'outcomes', 'records', 'tls', 'auth']);

// inspect shows one event: its fields, the dialogue, DNS and TLS facts, and
// on demand the message's header as filed.
export function inspect(dialog, e) {
  const title = document.getElementById('insp-title');
  const body = clear(document.getElementById('insp-body'));
  title.textContent = `#${e.seq} · ${e.kind}${e.step ? ` · ${t('step')} ${e.step}` : ''}`;
  body.append(h('p', { class: 'insp-text', text: e.text }));
  const rows = Object.entries(e).filter(([k, v]) => !skip.has(k) && v !== '' && v !== null && v !== undefined && !(Array.isArray(v) && !v.length));
  body.append(h('h3', { text: t('insp.fields') }), h('table', { class: 'fields' },
    h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v) }))))));
  if (e.tls) {
    const c = e.tls.cert;
    body.append(h('h3', { text: t('insp.tls') }), h('table', { class: 'fields' }, h('tbody', {},
      [['version', e.tls.version || '—'], ['verified', String(e.tls.verified)], ['problem', e.tls.problem],
        ['subject', c && c.subject], ['issuer', c && c.issuer], ['names', c && c.names && c.names.join(', ')],
        ['valid', c && c.not_before && `${c.not_before} → ${c.not_after || ''}`], ['why', c && c.why]]
        .filter(([, v]) => v).map(([k, v]) => h('tr', {}, h('th', { text: k }), h('td', { text: v }))))));
  }
  if (e.auth) body.append(h('h3', { text: t('insp.auth') }), authTable(e.auth));
  if (e.qname) {
    body.append(h('h3', { text: t('insp.dns') }), h('pre', { class: 'dns', text:
      [`;; QUESTION: ${e.qname} IN ${e.qtype || ''}`, e.rcode ? `;; status: ${e.rcode}` : '',
        ...(e.records || []).map((r) => `${r.name} ${r.ttl} IN ${r.type} ${r.type === 'MX' ? r.pref + ' ' : ''}${r.value}`)].filter(Boolean).join('\n') }));
  }
  if (e.transcript && e.transcript.length) {
    body.append(h('h3', { text: t('insp.dialogue') }), h('pre', { class: 'transcript' },
      e.transcript.map((l) => h('span', { class: l.startsWith('C:') ? 'c' : l.startsWith('S:') ? 's' : 'note', text: l + '\n' }))));
  }
  if (e.msg) {
    const out = h('div', {});
    body.append(h('button', { class: 'show-headers', onclick: async () => {
      clear(out);
      try {
        const m = await api(`/api/messages/${encodeURIComponent(e.msg)}`);
        out.append(h('h3', { text: `${t('insp.headers')} — ${e.msg}` }),
          h('pre', { class: 'headers', text: m.headers.map((x) => `${x.name}: ${x.value}`).join('\n') || '—' }));
      } catch (err) { out.append(h('p', { class: 'error', text: err.message })); }
    }, text: t('insp.show') }), out);
  }
  if (!dialog.open) dialog.showModal();
}

// authTable shows a receiving server's verdicts on the sender (an
// auth.result event): one row per method, then what the server did.
function authTable(a) {
  const row = (name, c) => h('tr', { class: `auth-${(c && c.result) || 'none'}`, 'data-auth': name },
    h('th', { text: name }), h('td', { class: 'verdict', text: (c && c.result) || 'none' }),
    h('td', { text: (c && c.domain) || '' }),
    h('td', { text: c ? [c.selector && `s=${c.selector}`, c.policy && `p=${c.policy}`].filter(Boolean).join(' ') : '' }),
    h('td', { text: (c && c.reason) || '' }));
  const act = a.action || 'accept';
  return h('table', { class: 'fields auth' },
    h('thead', {}, h('tr', {}, ['auth.method', 'auth.result', 'auth.domain', 'auth.policy', 'auth.reason'].map((k) => h('th', { text: t(k) })))),
    h('tbody', {}, row('SPF', a.spf), row('DKIM', a.dkim), row('DMARC', a.dmarc),
      h('tr', { class: `auth-action ${act}`, 'data-auth': 'action' }, h('th', { text: t('auth.action') }),
        h('td', { class: 'verdict', text: t('auth.' + act) }), h('td', { colspan: 3, text: a.why || '' }))));
}
