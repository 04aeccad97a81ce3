// The web view: wires the model (events from the server), the topology,
// the strip and narration, the event list, the mailboxes and monitoring,
// the controls and the keys.

import { h, clear, api, throttle } from './util.js';
import { t, setLang, getLang, applyStatic, initialLang, rememberLang } from './i18n.js';
import { Model } from './model.js';
import { Topology } from './topology.js';
import { renderStrip, renderNarration, renderMessages, EventList, inspect } from './views.js';
import { Mail } from './mail.js';
import { Monitor } from './monitor.js';

const $ = (id) => document.getElementById(id);

const app = {
  tab: 'view',
  steps: [],
  selected: null,    // the message the strip follows; null: the current one
  playing: null,     // the play timer
  lastCursor: -2,
};

async function main() {
  setLang(initialLang());
  applyStatic();
  const [topo, steps] = await Promise.all([api('/api/hosts'), api('/api/steps')]);
  app.steps = steps;
  $('scenario').textContent = topo.scenario;
  document.title = `mailflow · ${topo.scenario}`;
  app.model = new Model(throttle(render));
  app.topology = new Topology($('topo'), topo);
  app.events = new EventList(app.model, (e) => inspect($('inspector'), e));
  app.mail = new Mail(topo, app.model);
  app.monitor = new Monitor();
  wire();
  // Links to a moment: ?at=N opens at stop N, ?tab=mail&mailbox=ADDR at a
  // mailbox (&folder=, &uid= for one message), ?tab=events or ?tab=monitor at those views.
  const q = new URLSearchParams(location.search);
  app.model.startAt = Math.max(0, parseInt(q.get('at'), 10) || 0);
  if (['view', 'events', 'mail', 'monitor'].includes(q.get('tab'))) showTab(q.get('tab'));
  if (q.get('mailbox')) {
    app.mail.folder = q.get('folder') || 'INBOX';
    app.mail.open(q.get('mailbox')).then(() => { if (q.get('uid')) app.mail.read(q.get('uid')); });
  }
  // ?stream=0 shows what happened up to now and stops listening: a still
  // picture (a headless browser's --screenshot waits for the network to
  // be idle, which a stream never is).
  await app.model.load(getLang(), q.get('stream') !== '0');
  relabel();
  render();
  document.body.dataset.ready = 'true';
}

function wire() {
  const m = app.model;
  $('step-next').addEventListener('click', () => { stopPlaying(); m.forward(); });
  $('step-back').addEventListener('click', () => { stopPlaying(); m.back(); });
  $('step-start').addEventListener('click', () => { stopPlaying(); m.toStart(); });
  $('live').addEventListener('click', () => { stopPlaying(); m.live(); });
  $('play').addEventListener('click', () => (app.playing ? stopPlaying() : startPlaying()));
  $('speed').addEventListener('change', () => { if (app.playing) { stopPlaying(); startPlaying(); } });
  $('lang').addEventListener('click', switchLang);
  $('help').addEventListener('click', showKeys);
  for (const b of document.querySelectorAll('[data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  document.addEventListener('keydown', onKey);
}

// Play lets one step happen per interval: the page's steps first, then the
// world's when it waits.
function startPlaying() {
  app.playing = setInterval(() => {
    if (!app.model.forward() && !app.model.held() && app.model.hiddenStops() <= 0 && app.model.stepMode() === false) stopPlaying();
  }, Number($('speed').value));
  app.model.forward();
  render();
}

function stopPlaying() {
  clearInterval(app.playing);
  app.playing = null;
  render();
}

async function switchLang() {
  const l = getLang() === 'en' ? 'vi' : 'en';
  setLang(l);
  rememberLang(l);
  applyStatic();
  app.topology.layout();
  app.topology.draw();
  app.lastCursor = -2;
  render();
  await app.model.relabel(l);
}

function relabel() {
  $('lang').textContent = getLang() === 'en' ? 'Tiếng Việt' : 'English';
  $('lang').setAttribute('aria-label', getLang() === 'en' ? 'Tiếng Việt' : 'English');
}

function showTab(tab) {
  app.tab = tab;
  for (const b of document.querySelectorAll('[data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const p of document.querySelectorAll('.panel')) p.hidden = p.id !== `panel-${tab}`;
  if (tab === 'monitor') app.monitor.start(); else app.monitor.stop();
  if (tab === 'mail') app.mail.render();
  render();
}

function showKeys() {
  const dl = clear($('keys-list'));
  for (const [k, v] of [['Space, →', 'key.step'], ['←, B', 'key.back'], ['Home', 'key.start'], ['End', 'key.end'],
    ['P', 'key.play'], ['+ −', 'key.speed'], ['L', 'key.lang'], ['1 2 3 4', 'key.tabs'], ['?', 'key.help'], ['Esc', 'key.esc']]) {
    dl.append(h('dt', { text: k }), h('dd', { text: t(v) }));
  }
  $('keys').showModal();
}

function onKey(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const tag = (ev.target.tagName || '').toLowerCase();
  if (tag === 'input' || tag === 'textarea' || tag === 'select' || document.querySelector('dialog[open]')) return;
  const speed = $('speed');
  const act = {
    ' ': () => $('step-next').click(), ArrowRight: () => $('step-next').click(), n: () => $('step-next').click(),
    ArrowLeft: () => $('step-back').click(), b: () => $('step-back').click(),
    Home: () => $('step-start').click(), End: () => $('live').click(),
    p: () => $('play').click(), l: () => $('lang').click(), '?': showKeys,
    '+': () => { speed.selectedIndex = Math.min(speed.options.length - 1, speed.selectedIndex + 1); speed.dispatchEvent(new Event('change')); },
    '-': () => { speed.selectedIndex = Math.max(0, speed.selectedIndex - 1); speed.dispatchEvent(new Event('change')); },
    1: () => showTab('view'), 2: () => showTab('events'), 3: () => showTab('mail'), 4: () => showTab('monitor'),
  }[ev.key];
  if (!act) return;
  if (ev.key === ' ' && tag === 'button') ev.preventDefault(); // space on a focused button steps once, not twice
  ev.preventDefault();
  act();
}

function render() {
  const m = app.model;
  relabel();
  const cur = m.current();
  const focus = m.focus();
  const msg = app.selected || (focus && focus.msg) || (cur && cur.msg) || (m.held() && m.held().msg) || m.messageIds().slice(-1)[0];
  renderStrip($('strip'), m, app.steps, msg);
  renderStatus();
  $('play').textContent = app.playing ? t('ctl.pause') : t('ctl.play');
  $('live').classList.toggle('on', m.follow);
  const moved = m.cursor !== app.lastCursor;
  if (app.tab === 'view') {
    const step = focus ? focus.step : 0;
    $('story-title').textContent = step ? `${t('step')} ${step} · ${app.steps[step - 1].name[getLang()]}` : cur ? '' : t('story.before');
    const why = $('why');
    why.hidden = !step;
    if (step) {
      $('why-q').textContent = app.steps[step - 1].question[getLang()];
      $('why-a').textContent = app.steps[step - 1].why[getLang()];
    }
    renderNarration($('narration'), m, (e) => inspect($('inspector'), e));
    renderMessages($('messages'), m, msg, (id) => { app.selected = app.selected === id ? null : id; render(); });
    $('legend').textContent = t('legend');
    // The envelope travels when the class steps; following a busy network
    // live, envelopes just move.
    app.topology.update(m, moved && m.cursor > app.lastCursor && !m.follow, Number($('speed').value));
  } else if (app.tab === 'events') {
    app.events.render();
  }
  if (app.tab === 'mail') app.mail.onEvents(m.events);
  app.lastCursor = m.cursor;
  document.body.dataset.cursor = m.cursor;
  document.body.dataset.stops = m.stops.length;
  document.body.dataset.lastseq = m.lastSeq();
}

function renderStatus() {
  const m = app.model;
  let text;
  const hidden = m.hiddenStops();
  if (!m.connected && m.es) text = t('status.conn');
  else if (m.follow && !m.stepMode()) text = t('status.live');
  else if (hidden > 0) text = `${t('status.at', { n: m.cursor + 1, total: m.stops.length })} ${t('status.more', { n: hidden })}`;
  else if (m.held() && m.held().step) text = t('status.held', { step: m.held().step, msg: m.held().msg });
  else if (m.held()) text = t('status.heldFailure');
  else if (app.playing) text = t('status.playing');
  else text = t('status.over');
  $('status').textContent = text;
}

// Awaited at the top level, so the page counts as loaded once it shows what
// already happened (a headless browser's --screenshot waits for that).
try {
  await main();
} catch (err) {
  document.body.append(h('p', { class: 'error', text: `mailflow: ${err.message}` }));
}
