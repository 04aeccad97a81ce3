// Monitoring: per host counters and queues, messages per second, refusals
// by reply code, time per step; simple live charts in SVG, read from
// /api/stats and /api/queue once a second while the tab is shown.

import { h, s, clear, api, clock } from './util.js';
import { t } from './i18n.js';

const palette = ['#1565c0', '#2e7d32', '#b26a00', '#6a1b9a', '#00838f', '#c62828', '#4e342e', '#37474f'];
const keep = 60; // samples of queue depth kept

export class Monitor {
  constructor() {
    this.depth = new Map(); // host → samples
    this.timer = null;
    this.last = null;
  }

  start() {
    if (this.timer) return;
    const tick = async () => {
      try { await this.poll(); } catch { /* the server may be gone; the next tick tries again */ }
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  async poll() {
    const [st, q] = await Promise.all([api('/api/stats'), api('/api/queue')]);
    for (const hs of st.hosts) {
      const list = this.depth.get(hs.name) || [];
      list.push(hs.queue_depth);
      if (list.length > keep) list.shift();
      this.depth.set(hs.name, list);
    }
    this.last = { st, q };
    this.render();
  }

  render() {
    if (!this.last) return;
    const { st, q } = this.last;
    lines(document.getElementById('chart-rate'), [
      { name: t('mon.accepted.s'), values: st.rates.accepted },
      { name: t('mon.delivered.s'), values: st.rates.delivered }]);
    lines(document.getElementById('chart-queue'), [...this.depth].map(([name, values]) => ({ name, values })));
    bars(document.getElementById('chart-refusals'), st.refusals.map((r) => ({ label: `${r.code} ${r.enhanced || ''}`.trim(), value: r.count })), 'bad');
    bars(document.getElementById('chart-steps'), st.steps.map((x) => ({ label: `${t('step')} ${x.step}`, value: Math.round(x.mean_ms) })), '');
    const rows = clear(document.getElementById('host-rows'));
    for (const hs of st.hosts) {
      rows.append(h('tr', {}, h('th', { text: hs.name }), ...['queue_depth', 'accepted', 'delivered', 'relayed', 'deferred', 'failed', 'refused', 'bounces']
        .map((k) => h('td', { class: k === 'refused' && hs[k] ? 'bad' : '', text: hs[k] }))));
    }
    const qrows = clear(document.getElementById('queue-rows'));
    let n = 0;
    for (const qh of q.hosts) {
      for (const e of qh.entries) {
        if (++n > 200) break;
        qrows.append(h('tr', {}, h('th', { text: qh.host }), h('td', { text: e.msg }),
          h('td', { text: e.recipients.map((r) => `${r.address}${r.status ? ` (${r.status})` : ''}`).join(', ') }),
          h('td', { text: `${e.attempts} ${t('mon.attempts')}` }),
          h('td', { text: e.next_attempt ? `${t('mon.next')} ${clock(e.next_attempt)}` : '' }),
          h('td', { class: 'err', text: e.recipients.map((r) => r.last_error).filter(Boolean).join('; ') })));
      }
    }
    if (!n) qrows.append(h('tr', {}, h('td', { class: 'hint', text: t('mon.none') })));
  }
}

// lines draws series of numbers, oldest left, with a legend on top.
function lines(svg, series) {
  clear(svg);
  const W = 480, H = 230, L = 44, B = 24;
  const T = 14 + Math.ceil(series.length / 2) * 20;
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const n = Math.max(2, ...series.map((x) => x.values.length));
  svg.append(s('line', { class: 'axis', x1: L, y1: H - B, x2: W - 8, y2: H - B }),
    s('line', { class: 'axis', x1: L, y1: T, x2: L, y2: H - B }),
    s('text', { class: 'tick', x: L - 6, y: T + 10, 'text-anchor': 'end', text: max }),
    s('text', { class: 'tick', x: L - 6, y: H - B, 'text-anchor': 'end', text: 0 }));
  series.forEach((x, k) => {
    const colour = palette[k % palette.length];
    const pts = x.values.map((v, i) => `${L + (i + n - x.values.length) * (W - L - 8) / (n - 1)},${H - B - v * (H - B - T) / max}`);
    if (pts.length) svg.append(s('polyline', { class: 'series', stroke: colour, points: pts.join(' ') }));
    svg.append(s('text', { class: 'series-name', x: 8 + (k % 2) * 236, y: 18 + Math.floor(k / 2) * 20, fill: colour, text: `■ ${x.name}` }));
  });
}

// bars draws labelled bars.
function bars(svg, items, cls) {
  clear(svg);
  const W = 480, H = 230, B = 30, T = 22;
  if (!items.length) {
    svg.append(s('text', { class: 'tick', x: W / 2, y: H / 2, 'text-anchor': 'middle', text: t('mon.none') }));
    return;
  }
  const max = Math.max(1, ...items.map((x) => x.value));
  const bw = Math.min(80, (W - 20) / items.length - 10);
  items.forEach((x, i) => {
    const bh = x.value * (H - B - T) / max;
    const cx = 20 + i * (bw + 10);
    svg.append(s('rect', { class: `bar ${cls}`, x: cx, y: H - B - bh, width: bw, height: bh }),
      s('text', { class: 'tick', x: cx + bw / 2, y: H - B - bh - 4, 'text-anchor': 'middle', text: x.value }),
      s('text', { class: 'tick', x: cx + bw / 2, y: H - B + 20, 'text-anchor': 'middle', text: x.label }));
  });
}
