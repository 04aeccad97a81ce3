package local

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
	"time"
)

// The Sender Rewriting Scheme (SRS0): a domain that forwards mail to
// another domain puts its own address in the envelope sender, so that the
// next hop's checks see a sender of the forwarding domain and a bounce
// comes back to it; the forwarder then reverses the address and passes the
// bounce on to the original sender.
//
//	SRS0=HASH=TT=example.test=alice@school.test

// srsKey signs rewritten addresses; a simulation has no secrets to keep, but
// the hash still shows why a forged SRS address is refused.
var srsKey = []byte("mailflow simulated SRS key")

func srsHash(tt, domain, local string) string {
	m := hmac.New(sha256.New, srsKey)
	fmt.Fprintf(m, "%s=%s=%s", tt, strings.ToLower(domain), local)
	return strings.ToLower(base32.StdEncoding.EncodeToString(m.Sum(nil))[:4])
}

// srsTimestamp is the day number, base 32, two characters (as libsrs2).
func srsTimestamp(now time.Time) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	day := now.Unix() / 86400
	return string([]byte{alphabet[(day>>5)&31], alphabet[day&31]})
}

// SRSForward rewrites sender for mail forwarded by forwardingDomain. The
// null sender and addresses already of that domain stay as they are.
func SRSForward(sender, forwardingDomain string, now time.Time) string {
	at := strings.LastIndexByte(sender, '@')
	if sender == "" || at < 0 || strings.EqualFold(sender[at+1:], forwardingDomain) {
		return sender
	}
	local, domain := sender[:at], sender[at+1:]
	tt := srsTimestamp(now)
	return fmt.Sprintf("SRS0=%s=%s=%s=%s@%s", srsHash(tt, domain, local), tt, domain, local, forwardingDomain)
}

// SRSReverse returns the original sender of an SRS0 address, and false
// for an address that is not SRS or whose hash does not match.
func SRSReverse(addr string) (string, bool) {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || !strings.HasPrefix(strings.ToUpper(addr), "SRS0=") {
		return "", false
	}
	parts := strings.SplitN(addr[5:at], "=", 4)
	if len(parts) != 4 {
		return "", false
	}
	hash, tt, domain, local := parts[0], parts[1], parts[2], parts[3]
	if !hmac.Equal([]byte(strings.ToLower(hash)), []byte(srsHash(tt, domain, local))) {
		return "", false
	}
	return local + "@" + domain, true
}
