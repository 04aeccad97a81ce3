// Mailboxes as a webmail shows them: users, folders, messages, a reader
// with the message's path (its Received: lines) and the raw text; and a
// form that sends through the real submission port (POST /api/send).

import { h, clear, api } from './util.js';
import { t } from './i18n.js';

export class Mail {
  constructor(topo, model) {
    this.topo = topo;
    this.model = model;
    this.user = null;
    this.folder = 'INBOX';
    this.users = document.getElementById('users');
    this.folders = document.getElementById('folders');
    this.inbox = document.getElementById('inbox');
    this.reader = document.getElementById('reader');
    this.title = document.getElementById('mb-title');
    this.emptyBtn = document.getElementById('mb-empty');
    this.emptyBtn.addEventListener('click', () => this.empty());
    this.compose = document.getElementById('compose');
    document.getElementById('compose-open').addEventListener('click', () => this.openCompose());
    document.getElementById('compose-close').addEventListener('click', () => { this.compose.hidden = true; });
    this.compose.addEventListener('submit', (ev) => { ev.preventDefault(); this.send(); });
    const from = document.getElementById('c-from');
    for (const u of topo.users) from.append(h('option', { value: u.address, text: u.address }));
    this.stored = 0;
  }

  render() {
    clear(this.users);
    for (const u of this.topo.users) {
      this.users.append(h('li', { class: u.address === this.user ? 'selected' : '' },
        h('button', { class: 'linkish', 'data-user': u.address, onclick: () => this.open(u.address) }, u.address),
        h('span', { class: 'password', title: t('mail.password'), text: `${t('mail.password')}: ${u.password}` })));
    }
    if (!this.user) {
      clear(this.reader).append(h('p', { class: 'hint', text: t('mail.pick') }));
    }
  }

  // refresh re-reads the open mailbox when something was filed in it.
  onEvents(events) {
    if (!this.user) return;
    let hit = false;
    if (this.stored > events.length) this.stored = 0; // the page forgot old events
    for (let i = this.stored; i < events.length; i++) {
      const e = events[i];
      if (e.kind === 'mailbox.store' && e.user && e.user.toLowerCase() === this.user.toLowerCase()) hit = true;
    }
    this.stored = events.length;
    if (hit) this.open(this.user, true);
  }

  async open(addr, keepReader) {
    this.user = addr;
    this.render();
    this.title.textContent = addr;
    this.emptyBtn.hidden = false;
    let mb;
    try { mb = await api(`/api/mailboxes/${encodeURIComponent(addr)}`); } catch (err) {
      clear(this.inbox).append(h('tr', {}, h('td', { class: 'error', text: err.message })));
      return;
    }
    if (!mb.folders.some((f) => f.name === this.folder)) this.folder = 'INBOX';
    clear(this.folders);
    for (const f of mb.folders) {
      this.folders.append(h('button', { class: f.name === this.folder ? 'selected' : '', 'data-folder': f.name,
        onclick: () => { this.folder = f.name; this.open(addr); } }, `${f.name} (${f.unseen}/${f.count})`));
    }
    const folder = mb.folders.find((f) => f.name === this.folder);
    clear(this.inbox);
    if (!folder.messages.length) this.inbox.append(h('tr', {}, h('td', { class: 'hint', text: t('mail.nomsg') })));
    for (const m of [...folder.messages].reverse()) {
      const tr = h('tr', { tabindex: 0, class: m.flags.includes('\\Seen') ? 'seen' : 'unseen', 'data-uid': m.uid,
        onclick: () => this.read(m.uid), onkeydown: (ev) => { if (ev.key === 'Enter') this.read(m.uid); } },
      h('td', { text: m.from }), h('td', { class: 'subj', text: m.subject }), h('td', { class: 'id', text: m.id || '' }),
      h('td', { class: 'size', text: `${(m.size / 1024).toFixed(1)} KB` }));
      this.inbox.append(tr);
    }
    if (!keepReader) clear(this.reader);
  }

  async read(uid) {
    clear(this.reader);
    let m;
    try {
      m = await api(`/api/mailboxes/${encodeURIComponent(this.user)}/messages/${uid}?folder=${encodeURIComponent(this.folder)}`);
    } catch (err) { this.reader.append(h('p', { class: 'error', text: err.message })); return; }
    const hdr = (k, v) => v && h('div', { class: 'hdr' }, h('span', { class: 'k', text: k }), h('span', { text: v }));
    this.reader.append(h('h2', { text: m.subject || '—' }),
      hdr(t('mail.from'), m.from), hdr(t('mail.to'), m.to), hdr(t('mail.date'), m.date),
      m.id && hdr('id', m.id),
      h('pre', { class: 'body', text: m.text }),
      m.attachments.length ? hdr(t('mail.attachments'), m.attachments.join(', ')) : null,
      h('h3', { text: t('mail.received') }),
      h('ol', { class: 'received' }, [...m.received_chain].reverse().map((r) => h('li', { text: r }))),
      h('details', {}, h('summary', { text: t('mail.raw') }), h('pre', { class: 'raw', text: m.raw })));
  }

  async empty() {
    if (!this.user || !confirm(t('mail.empty.confirm', { addr: this.user }))) return;
    await api(`/api/mailboxes/${encodeURIComponent(this.user)}/messages`, { method: 'DELETE' });
    this.open(this.user);
  }

  openCompose() {
    this.compose.hidden = false;
    if (this.user) document.getElementById('c-from').value = this.user;
    document.getElementById('c-to').focus();
  }

  async send() {
    const val = (id) => document.getElementById(id).value.trim();
    const list = (v) => v.split(/[,\s]+/).filter(Boolean);
    const out = document.getElementById('c-result');
    out.className = '';
    try {
      const r = await api('/api/send', { method: 'POST', body: { from: val('c-from'), to: list(val('c-to')),
        cc: list(val('c-cc')), subject: val('c-subject'), body: document.getElementById('c-body').value } });
      out.textContent = this.model.stepMode() ? t('mail.sentStep', { id: r.id }) : t('mail.sent', { id: r.id, state: t('state.' + r.state) });
    } catch (err) {
      out.className = 'error';
      out.textContent = err.message;
    }
  }
}
