#!/usr/bin/env bash
# Takes the pictures of docs/web.md: `mailflow up SCENARIO --http` and a
# headless Chromium screenshot of the page at a chosen link. Run from the top
# of the clone after `make build`; needs chromium (make interop-deps).
set -euo pipefail
cd "$(dirname "$0")/../.."

bin=${MAILFLOW:-bin/mailflow}
chromium=${CHROMIUM:-chromium}
work=$(mktemp -d)
up_pid=""
cleanup() {
	if [ -n "$up_pid" ]; then kill -INT "$up_pid" 2>/dev/null || true; wait "$up_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

# shot SCENARIO QUERY FILE HEIGHT: the page of SCENARIO, opened at QUERY.
shot() {
	"$bin" up "$1" --quiet --http 127.0.0.1:0 --endpoints-json "$work/ep.json" >"$work/up.log" 2>&1 &
	up_pid=$!
	timeout 30 grep -q -m1 'Servers are up' <(tail -n +1 -f "$work/up.log")
	url=$(sed -n 's/.*"http": "\(.*\)".*/\1/p' "$work/ep.json")
	# stream=0: the page reads what happened and stops listening, so the
	# network goes idle and the virtual time budget lets it draw first.
	"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
		--disable-sync --no-first-run --user-data-dir="$work/profile" --hide-scrollbars --window-size="1400,$4" \
		--virtual-time-budget=5000 --screenshot="$3" "$url?stream=0&$2" 2>/dev/null
	kill -INT "$up_pid"
	wait "$up_pid" || true
	up_pid=""
	echo "$3"
}

shot cross-domain "lang=en" docs/img/web-cross-domain.png 720
shot unknown-user-bounce "lang=vi&at=6" docs/img/web-failure-vi.png 720
shot cross-domain "lang=en&tab=mail&mailbox=bob@school.test&uid=1" docs/img/web-mailbox.png 900
