#!/usr/bin/env python3
"""Mail programs people use against a running `mailflow up cross-domain`:
msmtp sends, fetchmail fetches over POP3S and POP3 STLS (keeping, then
deleting), mbsync mirrors the IMAP INBOX into a Maildir and syncs a flag
back. Also: a password in the clear is refused before TLS.

Every check prints one line; the last line counts them. Any failure exits 1.
"""
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from common import Checks, endpoints, run

ep, hosts, users, ctx = endpoints(sys.argv[1])
up_log = sys.argv[2]
ca = ep["ca_file"]
alice, bob = users["alice@example.test"], users["bob@school.test"]
sender, mx = hosts["mail.example.test"], hosts["mail.school.test"]
work = tempfile.mkdtemp(prefix="mailflow-interop-")
checks = Checks("mail clients")


def write(name, text, mode=0o600):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)
    return path


def imap():
    m = imaplib.IMAP4_SSL(mx["address"], mx["ports"]["imaps"], ssl_context=ctx)
    m.login(bob["address"], bob["password"])
    return m


def inbox_state():
    """UID and flags of every message in bob's INBOX, as the server has them."""
    with imap() as m:
        m.select("INBOX", readonly=True)
        typ, data = m.fetch("1:*", "(UID FLAGS)") if int(m.select("INBOX", readonly=True)[1][0]) else ("OK", [])
        assert typ == "OK", data
        state = {}
        for line in data:
            if not line:
                continue
            text = line.decode()
            uid = text.split("UID ")[1].split()[0].rstrip(")")
            flags = text.split("FLAGS (")[1].split(")")[0].split()
            state[uid] = sorted(f for f in flags if f != "\\Recent")
        return state


def wait_subject(subject, timeout=15):
    """Await the message in bob's INBOX (the server files it at step 6)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with imap() as m:
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{subject}"')
            if typ == "OK" and data[0].split():
                return
        time.sleep(0.05)
    raise TimeoutError(f"{subject!r} never reached {bob['address']}")


def msmtp(port, tls_mode, subject):
    conf = write(f"msmtprc-{port}", f"""defaults
tls on
tls_trust_file {ca}
{tls_mode}
account mailflow
host {sender['address']}
port {port}
auth plain
user {alice['address']}
password {alice['password']}
from {alice['address']}
account default : mailflow
""")
    message = f"From: {alice['address']}\nTo: {bob['address']}\nSubject: {subject}\n\nSent by msmtp.\n"
    run("msmtp", "-C", conf, bob["address"], stdin=message)
    wait_subject(subject)


def fetchmail(name, port, ssl_line, keep):
    """One fetchmail poll of bob's maildrop; returns the messages it handed to its MDA."""
    out_dir = os.path.join(work, name)
    os.makedirs(out_dir)
    rc = write(f"fetchmailrc-{name}", f"""set no syslog
poll {mx['address']} protocol POP3 port {port} timeout 20
  user "{bob['address']}" password "{bob['password']}"
  {ssl_line} sslcertck sslcertfile "{ca}" sslcommonname "{mx['name']}"
  fetchall {'keep' if keep else 'nokeep'} mda "/bin/sh -c 'cat > {out_dir}/$$'"
""")
    env = dict(os.environ, FETCHMAILHOME=work, HOME=work)
    p = subprocess.run(["fetchmail", "-f", rc, "--nodetach", "--pidfile", os.path.join(work, f"{name}.pid")],
                       capture_output=True, text=True, timeout=60, env=env)
    if p.returncode not in (0, 1):  # 1: no mail
        raise RuntimeError(f"fetchmail exited {p.returncode}: {p.stderr.strip() or p.stdout.strip()}")
    return [open(os.path.join(out_dir, f), encoding="utf-8", errors="replace").read() for f in os.listdir(out_dir)]


def fetchmail_keep(name, port, ssl_line):
    before = inbox_state()
    got = fetchmail(name, port, ssl_line, keep=True)
    assert len(got) == len(before) and len(got) >= 1, (len(got), len(before))
    assert any("Subject: msmtp 587" in m for m in got), "msmtp's message not among those fetched"
    after = inbox_state()
    assert set(after) == set(before), "keep: messages vanished from the server"


def fetchmail_delete():
    before = inbox_state()
    got = fetchmail("delete", mx["ports"]["pop3"], "sslproto tls1.2+", keep=False)
    assert len(got) == len(before), (len(got), len(before))
    assert inbox_state() == {}, "messages still on the server after fetchmail without keep"


def pinned_leaf():
    """The MX's certificate, verified here against the simulated CA under its
    host name, for mbsync to pin: mbsync matches host names against DNS
    names only, and is given an address."""
    with socket.create_connection((mx["address"], mx["ports"]["imaps"]), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=mx["name"]) as tls:
            der = tls.getpeercert(binary_form=True)
    return write("mbsync-pinned.pem", ssl.DER_cert_to_PEM_cert(der))


def mbsync_conf():
    maildir = os.path.join(work, "maildir")
    os.makedirs(maildir, exist_ok=True)
    return maildir, write("mbsyncrc", f"""IMAPAccount mailflow
Host {mx['address']}
Port {mx['ports']['imaps']}
User {bob['address']}
Pass {bob['password']}
SSLType IMAPS
CertificateFile {pinned_leaf()}

IMAPStore remote
Account mailflow

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX

Channel inbox
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync All
SyncState *
""")


def maildir_files(maildir):
    box = os.path.join(maildir, "INBOX")
    return sorted(os.path.join(box, d, f) for d in ("cur", "new") for f in os.listdir(os.path.join(box, d)))


def mbsync_twice():
    maildir, conf = mbsync_conf()
    run("mbsync", "-c", conf, "-a")
    server = inbox_state()
    local = maildir_files(maildir)
    assert len(local) == len(server) >= 1, (len(local), len(server))
    run("mbsync", "-c", conf, "-a")
    assert maildir_files(maildir) == local, "second sync changed the Maildir"
    assert inbox_state() == server, "second sync changed the server"


def mbsync_flag_back():
    maildir, conf = mbsync_conf()
    path = maildir_files(maildir)[0]
    base, _, flags = os.path.basename(path).partition(":2,")
    flagged = os.path.join(maildir, "INBOX", "cur", f"{base}:2,{''.join(sorted(set(flags + 'F')))}")
    os.rename(path, flagged)
    before = inbox_state()
    run("mbsync", "-c", conf, "-a")
    after = inbox_state()
    changed = [uid for uid in after if after[uid] != before.get(uid)]
    assert len(changed) == 1 and "\\Flagged" in after[changed[0]], (before, after)


def plaintext_refused():
    """curl imap:// without TLS: the server says LOGINDISABLED and refuses the password."""
    p = subprocess.run(["curl", "-sS", "-v", f"imap://{mx['address']}:{mx['ports']['imap']}/INBOX",
                        "--user", f"{bob['address']}:{bob['password']}", "--login-options", "AUTH=*"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0, "curl logged in without TLS"
    assert "LOGINDISABLED" in p.stderr, p.stderr[-500:]


checks.check("msmtp 587 STARTTLS + AUTH", lambda: msmtp(sender["ports"]["submission"], "tls_starttls on", "msmtp 587"))
checks.check("msmtp 465 TLS on connect + AUTH",
             lambda: msmtp(sender["ports"]["submissions"], "tls_starttls off", "msmtp 465"))
checks.check("fetchmail POP3S keep", lambda: fetchmail_keep("pop3s", mx["ports"]["pop3s"], "ssl"))
checks.check("fetchmail POP3 STLS keep", lambda: fetchmail_keep("stls", mx["ports"]["pop3"], "sslproto tls1.2+"))
checks.check("mbsync IMAPS sync twice, the second a no-op", mbsync_twice)
checks.check("mbsync flag synced back", mbsync_flag_back)
checks.check("curl imap:// in the clear refused (LOGINDISABLED)", plaintext_refused)
checks.check("fetchmail POP3 STLS delete", fetchmail_delete)

shutil.rmtree(work, ignore_errors=True)
checks.finish()
