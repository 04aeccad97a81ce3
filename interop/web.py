#!/usr/bin/env python3
"""The HTTP API of a running `mailflow up cross-domain --http ADDR`, from a
client that has nothing but Python's standard library, as a CI job of
another project would use it: empty a mailbox, send through the API, await
the filing on the event stream, read the message back through the API and
over IMAPS, resume the stream after a Last-Event-ID, and see bad requests
refused with JSON errors.

Every check prints one line; the last line counts them. Any failure exits 1.
"""
import http.client
import imaplib
import json
import ssl
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from common import Checks

ep = json.load(open(sys.argv[1]))
base = ep["http"].rstrip("/")
users = {u["address"]: u for u in ep["users"]}
hosts = {h["name"]: h for h in ep["hosts"]}
bob = users["bob@school.test"]
mx = hosts[bob["host"]]
checks = Checks("web API")
state = {}


def call(method, path, body=None, content_type="application/json", host=None):
    """One request; returns (status, decoded JSON or text)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", content_type)
    if host:
        req.add_header("Host", host)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, ctype, raw = resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
    return status, json.loads(raw) if ctype.startswith("application/json") else raw.decode()


def healthz():
    status, body = call("GET", "/api/healthz")
    assert status == 200 and body["status"] == "ok" and body["scenario"] == "cross-domain", body


def topology_matches_endpoints():
    status, topo = call("GET", "/api/hosts")
    assert status == 200, topo
    for h in topo["hosts"]:
        want = hosts[h["name"]]
        assert h["address"] == want["address"], (h, want)
        for svc in h["services"]:
            assert svc["real_port"] == want["ports"][svc["name"]], (h["name"], svc)
    assert {u["address"] for u in topo["users"]} == set(users), topo["users"]


def openapi_describes_send():
    status, doc = call("GET", "/api/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.") and "post" in doc["paths"]["/api/send"], status


def empty_mailbox():
    status, body = call("DELETE", "/api/mailboxes/bob@school.test/messages")
    assert status == 200, body
    status, mb = call("GET", "/api/mailboxes/bob@school.test")
    assert status == 200 and all(f["count"] == 0 for f in mb["folders"]), mb


def send():
    status, body = call("POST", "/api/send", {"from": "alice@example.test", "to": ["bob@school.test"],
                                              "subject": "Sent through the web API", "body": "Hello from Python."})
    assert status == 201 and body["id"].startswith("w") and 1 in body["steps"] and 2 in body["steps"], (status, body)
    state["id"] = body["id"]


def await_filing():
    """Long-poll the event stream for step 6 of the message just sent."""
    status, page = call("GET", f"/api/events?msg={state['id']}&kind=mailbox.store&wait=30")
    assert status == 200 and page["events"], page
    e = page["events"][0]
    assert e["step"] == 6 and e["user"] == "bob@school.test" and e["folder"] == "INBOX", e
    state["seq"] = e["seq"]


def listed_as_delivered():
    status, body = call("GET", "/api/messages?mailbox=bob@school.test&state=delivered")
    mine = [m for m in body["messages"] if m["id"] == state["id"]]
    assert status == 200 and mine and sorted(mine[0]["steps"]) == [1, 2, 3, 4, 5, 6], body


def raw_and_header():
    status, raw = call("GET", f"/api/messages/{state['id']}/raw")
    assert status == 200 and "Subject: Sent through the web API" in raw, raw[:300]
    status, m = call("GET", f"/api/messages/{state['id']}")
    assert m["envelope"]["mail_from"] == "alice@example.test" and len(m["received"]) >= 2, m["envelope"]


def imap_sees_it():
    ctx = ssl.create_default_context(cafile=ep["ca_file"])
    with imaplib.IMAP4_SSL(mx["address"], mx["ports"]["imaps"], ssl_context=ctx) as m:
        m.login(bob["address"], bob["password"])
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "SUBJECT", '"Sent through the web API"')
        assert typ == "OK" and len(data[0].split()) == 1, data


def stream_resumes():
    """Open the Server-Sent Events stream after seq-1: the first event is seq."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request("GET", "/api/events/stream", headers={"Last-Event-ID": str(state["seq"] - 1)})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Type").startswith("text/event-stream"), resp.status
    first = None
    while first is None:
        line = resp.readline().decode().rstrip("\r\n")
        if line.startswith("id: "):
            first = int(line[4:])
    conn.close()
    assert first == state["seq"], (first, state["seq"])


def refusals_are_json():
    status, body = call("POST", "/api/send", b"from=alice@example.test", content_type="application/x-www-form-urlencoded")
    assert status == 415 and body["status"] == 415 and body["message"], (status, body)
    status, body = call("POST", "/api/send", {"from": "nobody@nowhere.test", "to": ["bob@school.test"]})
    assert status == 400 and body["status"] == 400, (status, body)
    status, body = call("GET", "/api/messages/no-such-id")
    assert status == 404 and body["status"] == 404, (status, body)
    status, body = call("GET", "/api/hosts", host="attacker.example")
    assert status == 421, (status, body)


checks.check("healthz", healthz)
checks.check("the topology matches the endpoints file", topology_matches_endpoints)
checks.check("the OpenAPI document describes POST /api/send", openapi_describes_send)
checks.check("DELETE empties bob's mailbox", empty_mailbox)
checks.check("POST /api/send submits through 587 (steps 1 and 2 done)", send)
checks.check("a long poll of the events sees step 6", await_filing)
checks.check("the message is listed as delivered with steps 1-6", listed_as_delivered)
checks.check("the raw message and its header as filed", raw_and_header)
checks.check("bob's IMAP client sees the message", imap_sees_it)
checks.check("the event stream resumes after Last-Event-ID", stream_resumes)
checks.check("bad requests get JSON errors (415, 400, 404) and a foreign Host 421", refusals_are_json)
checks.finish()
