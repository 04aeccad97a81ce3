#!/usr/bin/env bash
# Interop: drive a running `mailflow up` with real clients — dig, swaks,
# curl (smtp, smtps, pop3, pop3s, imap, imaps), Python's smtplib, poplib
# and imaplib, msmtp, fetchmail and mbsync — and check that what they send
# arrives and reads back.
# Needs: dig, swaks, curl, python3, msmtp, fetchmail, mbsync (make
# interop-deps installs them).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${MAILFLOW:-bin/mailflow}
work=$(mktemp -d)
up_pid=""
cleanup() {
	if [ -n "$up_pid" ]; then kill -INT "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

for tool in dig swaks curl python3 msmtp fetchmail mbsync; do
	command -v "$tool" >/dev/null || { echo "interop: $tool is missing (make interop-deps installs it)"; exit 2; }
done

"$bin" up cross-domain --endpoints-json "$work/endpoints.json" --ca-out "$work/ca.pem" --http 127.0.0.1:0 >"$work/up.log" 2>&1 &
up_pid=$!
# Wait for the network: up prints this line once every server listens.
if ! timeout 30 grep -q -m1 'Servers are up' <(tail -n +1 -f "$work/up.log"); then
	echo "interop: mailflow up did not start"; cat "$work/up.log"; exit 1
fi

python3 interop/clients.py "$work/endpoints.json" "$work/up.log"
python3 interop/mailclients.py "$work/endpoints.json" "$work/up.log"
python3 interop/web.py "$work/endpoints.json"

# The smarthost: stop the first network, start smarthost-auth, and send
# through smtp.relay.test with AUTH on 587 and 465. Each up takes a free
# loopback network (127.25.0.0/24 or the next free one), so another up on
# this machine is no collision; the clients read the addresses from
# endpoints.json.
kill -INT "$up_pid" 2>/dev/null || true
wait "$up_pid" 2>/dev/null || true
up_pid=""
mkdir "$work/smarthost"
"$bin" up smarthost-auth --endpoints-json "$work/smarthost/endpoints.json" --ca-out "$work/smarthost/ca.pem" \
	>"$work/smarthost/up.log" 2>&1 &
up_pid=$!
if ! timeout 30 grep -q -m1 'Servers are up' <(tail -n +1 -f "$work/smarthost/up.log"); then
	echo "interop: mailflow up smarthost-auth did not start"; cat "$work/smarthost/up.log"; exit 1
fi
python3 interop/smarthost.py "$work/smarthost/endpoints.json"
