#!/usr/bin/env python3
"""Real clients against a running `mailflow up smarthost-auth`.

A client logs in to the smarthost smtp.relay.test with the relay account,
over STARTTLS on 587 and over implicit TLS on 465 (Python's smtplib and
swaks), and sends to a user of another domain; each message must then be
found in that user's mailbox over IMAPS. The smarthost must also refuse to
relay for a client that does not log in, and refuse a wrong password.

Every check prints one line; the last line counts them. Any failure exits 1.
"""
import imaplib
import smtplib
import subprocess
import sys

from common import Checks, endpoints, run
import time

ep, hosts, users, ctx = endpoints(sys.argv[1])
ca = ep["ca_file"]
relay = hosts["smtp.relay.test"]
account = users["example@relay.test"]  # the relay account of example.test
bob = users["bob@school.test"]  # a user of another domain than the relay's
mx = hosts[bob["host"]]
checks = Checks("smarthost")


def message(subject):
    return (f"From: {account['address']}\r\nTo: {bob['address']}\r\nSubject: {subject}\r\n\r\n"
            "Sent through the smarthost by interop.\r\n")


def arrived(subject, timeout=15):
    """Poll Bob's INBOX over IMAPS until the subject shows up, for a bounded time."""
    deadline = time.monotonic() + timeout
    while True:
        with imaplib.IMAP4_SSL(mx["address"], mx["ports"]["imaps"], ssl_context=ctx) as m:
            m.login(bob["address"], bob["password"])
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{subject}"')
            if typ == "OK" and data[0].split():
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{subject!r} never reached {bob['address']} on {mx['name']}")
        time.sleep(0.1)


def smtplib_587():
    with smtplib.SMTP(relay["address"], relay["ports"]["submission"], timeout=10) as s:
        s.starttls(context=ctx)
        s.login(account["address"], account["password"])
        s.sendmail(account["address"], [bob["address"]], message("smarthost smtplib 587"))
    arrived("smarthost smtplib 587")


def smtplib_465():
    with smtplib.SMTP_SSL(relay["address"], relay["ports"]["submissions"], context=ctx, timeout=10) as s:
        s.login(account["address"], account["password"])
        s.sendmail(account["address"], [bob["address"]], message("smarthost smtplib 465"))
    arrived("smarthost smtplib 465")


def swaks(port, tls_flag, subject):
    run("swaks", "--server", relay["address"], "--port", str(port), tls_flag, "--tls-verify", "--tls-ca-path", ca,
        "--auth", "PLAIN", "--auth-user", account["address"], "--auth-password", account["password"],
        "--from", account["address"], "--to", bob["address"], "--header", f"Subject: {subject}",
        "--body", "via swaks through the smarthost")
    arrived(subject)


def no_auth_refused():
    # The smarthost is no open relay: without a login, another domain is refused.
    with smtplib.SMTP(relay["address"], relay["ports"]["smtp"], timeout=10) as s:
        s.ehlo("stranger.test")
        s.mail("spam@stranger.test")
        code, msg = s.rcpt(bob["address"])
        assert code == 550 and msg.startswith(b"5.7.1"), (code, msg)


def wrong_password_refused():
    with smtplib.SMTP(relay["address"], relay["ports"]["submission"], timeout=10) as s:
        s.starttls(context=ctx)
        try:
            s.login(account["address"], account["password"] + "-wrong")
        except smtplib.SMTPAuthenticationError as e:
            assert e.smtp_code == 535 and e.smtp_error.startswith(b"5.7.8"), (e.smtp_code, e.smtp_error)
        else:
            raise AssertionError("a wrong password was accepted")


checks.check("smtplib 587 STARTTLS + AUTH through the smarthost", smtplib_587)
checks.check("smtplib 465 implicit TLS + AUTH through the smarthost", smtplib_465)
checks.check("swaks 587 STARTTLS through the smarthost",
      lambda: swaks(relay["ports"]["submission"], "--tls", "smarthost swaks 587"))
checks.check("swaks 465 TLS on connect through the smarthost",
      lambda: swaks(relay["ports"]["submissions"], "--tlsc", "smarthost swaks 465"))
checks.check("smarthost port 25 without AUTH refuses relaying 550 5.7.1", no_auth_refused)
checks.check("smarthost wrong password 535 5.7.8", wrong_password_refused)

checks.finish()
