#!/usr/bin/env python3
"""Real clients against a running `mailflow up cross-domain`.

Every check prints one line; the last line counts them. Any failure exits 1.
"""
import email
import imaplib
import poplib
import smtplib
import subprocess
import sys

from common import Checks, endpoints, run
import time

ep, hosts, users, ctx = endpoints(sys.argv[1])
up_log = sys.argv[2]
ca = ep["ca_file"]
alice, bob = users["alice@example.test"], users["bob@school.test"]
sender, mx = hosts["mail.example.test"], hosts["mail.school.test"]
checks = Checks("interop")


def message(subject):
    return f"From: {alice['address']}\r\nTo: {bob['address']}\r\nSubject: {subject}\r\n\r\nSent by interop.\r\n"


def wait_delivered(subject, timeout=15):
    """Await the log line of step 6 for this subject (the server says when it files it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(up_log, encoding="utf-8") as f:
            log = f.read()
        if f"files the message in {bob['address']}" in log and subject_seen(subject):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{subject!r} never reached {bob['address']}")


def subject_seen(subject):
    with imaplib.IMAP4_SSL(mx["address"], mx["ports"]["imaps"], ssl_context=ctx) as m:
        m.login(bob["address"], bob["password"])
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "SUBJECT", f'"{subject}"')
        return typ == "OK" and data[0].split()


def dig_mx():
    out = run("dig", f"@{ep['dns']['address']}", "-p", str(ep["dns"]["port"]), "school.test", "MX", "+short")
    assert "mail.school.test." in out, out
    out = run("dig", f"@{ep['dns']['address']}", "-p", str(ep["dns"]["port"]), "mail.school.test", "A", "+short", "+tcp")
    assert out.strip() == mx["address"], out


def swaks(port, tls_flag, subject):
    run("swaks", "--server", sender["address"], "--port", str(port), tls_flag, "--tls-verify", "--tls-ca-path", ca,
        "--auth", "PLAIN", "--auth-user", alice["address"], "--auth-password", alice["password"],
        "--from", alice["address"], "--to", bob["address"], "--header", f"Subject: {subject}", "--body", "via swaks")
    wait_delivered(subject)


def curl_smtp(scheme, port, subject):
    run("curl", "-sS", "--url", f"{scheme}://{sender['address']}:{port}", "--ssl-reqd", "--cacert", ca,
        "--user", f"{alice['address']}:{alice['password']}", "--mail-from", alice["address"],
        "--mail-rcpt", bob["address"], "--upload-file", "-", stdin=message(subject))
    wait_delivered(subject)


def curl_read(scheme, port, path):
    extra = ["--ssl-reqd"] if scheme in ("pop3", "imap") else []
    out = run("curl", "-sS", *extra, "--cacert", ca, f"{scheme}://{mx['address']}:{port}/{path}",
              "--user", f"{bob['address']}:{bob['password']}")
    assert "Subject:" in out, out[:300]


def smtplib_587():
    with smtplib.SMTP(sender["address"], sender["ports"]["submission"], timeout=10) as s:
        s.starttls(context=ctx)
        s.login(alice["address"], alice["password"])
        s.sendmail(alice["address"], [bob["address"]], message("python smtplib 587"))
    wait_delivered("python smtplib 587")


def smtplib_465():
    with smtplib.SMTP_SSL(sender["address"], sender["ports"]["submissions"], context=ctx, timeout=10) as s:
        s.login(alice["address"], alice["password"])
        s.sendmail(alice["address"], [bob["address"]], message("python smtplib 465"))
    wait_delivered("python smtplib 465")


def smtplib_relay_refused():
    with smtplib.SMTP(sender["address"], sender["ports"]["smtp"], timeout=10) as s:
        s.ehlo("stranger.test")
        s.mail("spam@stranger.test")
        code, msg = s.rcpt(bob["address"])
        assert code == 550 and msg.startswith(b"5.7.1"), (code, msg)


def imaplib_read(starttls):
    if starttls:
        m = imaplib.IMAP4(mx["address"], mx["ports"]["imap"])
        m.starttls(ssl_context=ctx)
    else:
        m = imaplib.IMAP4_SSL(mx["address"], mx["ports"]["imaps"], ssl_context=ctx)
    with m:
        m.login(bob["address"], bob["password"])
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", '"python smtplib 587"')
        assert typ == "OK" and data[0], data
        typ, msg = m.fetch(data[0].split()[0], "(RFC822)")
        parsed = email.message_from_bytes(msg[0][1])
        assert parsed["Subject"] == "python smtplib 587", parsed["Subject"]
        assert "by mail.school.test" in str(parsed.get_all("Received")), "no Received: header of the MX"


def poplib_read(stls):
    if stls:
        p = poplib.POP3(mx["address"], mx["ports"]["pop3"], timeout=10)
        p.stls(context=ctx)
    else:
        p = poplib.POP3_SSL(mx["address"], mx["ports"]["pop3s"], context=ctx, timeout=10)
    try:
        p.user(bob["address"])
        p.pass_(bob["password"])
        count, _ = p.stat()
        assert count >= 2, count
        subjects = [email.message_from_bytes(b"\r\n".join(p.retr(i)[1]))["Subject"] for i in range(1, count + 1)]
        assert "python smtplib 465" in subjects, subjects
        resp, listing, _ = p.uidl()
        assert resp.startswith(b"+OK") and len(listing) == count, (resp, listing)
    finally:
        p.quit()  # no DELE: the messages stay for the next client


checks.check("dig MX and A of school.test", dig_mx)
checks.check("smtplib 587 STARTTLS + AUTH", smtplib_587)
checks.check("smtplib 465 implicit TLS + AUTH", smtplib_465)
checks.check("smtplib port 25 relay refused 550 5.7.1", smtplib_relay_refused)
checks.check("swaks 587 STARTTLS", lambda: swaks(sender["ports"]["submission"], "--tls", "swaks 587"))
checks.check("swaks 465 TLS on connect", lambda: swaks(sender["ports"]["submissions"], "--tlsc", "swaks 465"))
checks.check("curl smtp (STARTTLS)", lambda: curl_smtp("smtp", sender["ports"]["submission"], "curl smtp 587"))
checks.check("curl smtps", lambda: curl_smtp("smtps", sender["ports"]["submissions"], "curl smtps 465"))
checks.check("imaplib IMAPS", lambda: imaplib_read(False))
checks.check("imaplib IMAP STARTTLS", lambda: imaplib_read(True))
checks.check("poplib POP3S", lambda: poplib_read(False))
checks.check("poplib POP3 STLS", lambda: poplib_read(True))
checks.check("curl pop3 (STLS)", lambda: curl_read("pop3", mx["ports"]["pop3"], "1"))
checks.check("curl pop3s", lambda: curl_read("pop3s", mx["ports"]["pop3s"], "1"))
checks.check("curl imap (STARTTLS)", lambda: curl_read("imap", mx["ports"]["imap"], "INBOX;UID=1"))
checks.check("curl imaps", lambda: curl_read("imaps", mx["ports"]["imaps"], "INBOX;UID=1"))

checks.finish()
