// Small helpers: building elements (text is always set as text, never as
// HTML: subjects and dialogues come from mail clients), SVG, and the API.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const svgNS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// api fetches a JSON endpoint; errors carry the server's message.
export async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', headers: {} };
  if (opts.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  const resp = await fetch(path, init);
  const ct = resp.headers.get('Content-Type') || '';
  const data = ct.startsWith('application/json') ? await resp.json() : await resp.text();
  if (!resp.ok) {
    const err = new Error((data && data.message) || resp.statusText);
    err.status = resp.status;
    err.data = data;
    throw err;
  }
  return data;
}

// clock shows a simulated time as HH:MM:SS.mmm (UTC, as the narrated log).
export function clock(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return d.toISOString().slice(11, 23);
}

// throttle runs fn at the next animation frame, and at most every minMs:
// under a load of thousands of events the page redraws ten times a second,
// not once per event.
export function throttle(fn, minMs = 100) {
  let queued = false;
  let last = 0;
  return () => {
    if (queued) return;
    queued = true;
    const wait = Math.max(0, last + minMs - performance.now());
    setTimeout(() => requestAnimationFrame(() => { queued = false; last = performance.now(); fn(); }), wait);
  };
}

// failure and deferral say what an event tells of its step, as the
// terminal view's strip reads them: refused for good, or for now.
export function failure(e) {
  switch (e.kind) {
    case 'queue.failed': return true;
    case 'smtp.reply': case 'smtp.auth': return code(e) >= 500 || (!!e.local && (e.local.status || '').startsWith('5'));
    case 'dns.answer': return !!e.msg && e.rcode === 'NXDOMAIN' && e.purpose !== 'auth';
  }
  return e.kind.endsWith('.failed') || e.kind.endsWith('.bounced');
}

// code is the reply code an event carries from the wire, 0 when none.
export function code(e) { return e.reply ? e.reply.code : 0; }

// clientSide says whether an event is told by the side that received a
// reply: a user's mail client, or a host relaying.
export function clientSide(e) {
  return (e.actor || '').startsWith('client:') || (!!e.reply && e.reply.side === 'client');
}

export function deferral(e) {
  switch (e.kind) {
    case 'queue.deferred': case 'queue.retry': return true;
    case 'smtp.reply': return (code(e) >= 400 && code(e) < 500) || (!!e.local && !(e.local.status || '').startsWith('5'));
    case 'dns.answer': return !!e.msg && !!e.rcode && e.rcode !== 'NOERROR' && e.rcode !== 'NXDOMAIN' && e.purpose !== 'auth';
  }
  return e.kind.endsWith('.deferred');
}
