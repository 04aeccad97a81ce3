// Package dnsask asks the simulated DNS server one question the way a
// host's resolver does, and stops waiting at once when the server tells it
// dropped the query (a fault), so that the wait can be paid in simulated
// time instead of wall time. The queue's MX lookups and the SPF, DKIM and
// DMARC checks share it.
package dnsask

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/miekg/dns"
)

// DropNotice returns a channel closed when the DNS server drops the query
// with this id from this address; stop forgets it.
type DropNotice func(from netip.Addr, id uint16) (dropped <-chan struct{}, stop func())

// Asker sends queries to one DNS server from one address.
type Asker struct {
	Server  netip.AddrPort // the DNS server
	Local   netip.Addr     // the address to ask from; zero for any
	Timeout time.Duration  // bounds the dial and the wait for the reply
	// Dropped, when set, is asked to tell of the query being dropped.
	Dropped DropNotice
	// EndOnCancel makes the end of ctx end the wait too: the dns package
	// heeds a context's deadline but not its cancellation.
	EndOnCancel bool
}

// Exchange sends m over network ("udp" or "tcp") and waits for the reply,
// the timeout at most; dropped tells that the DNS server said it dropped
// the query, which ended the real wait at once.
func (a Asker) Exchange(ctx context.Context, m *dns.Msg, network string) (resp *dns.Msg, dropped bool, err error) {
	d := &net.Dialer{Timeout: a.Timeout}
	if a.Local.IsValid() {
		if network == "udp" {
			d.LocalAddr = &net.UDPAddr{IP: a.Local.AsSlice()}
		} else {
			d.LocalAddr = &net.TCPAddr{IP: a.Local.AsSlice()}
		}
	}
	c := &dns.Client{Net: network, Timeout: a.Timeout, Dialer: d}
	conn, err := c.DialContext(ctx, a.Server.String())
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	if a.EndOnCancel {
		defer context.AfterFunc(ctx, func() { conn.Close() })()
	}
	var flag chan struct{}
	if a.Dropped != nil {
		from := a.Local
		if ap, perr := netip.ParseAddrPort(conn.LocalAddr().String()); perr == nil {
			from = ap.Addr().Unmap()
		}
		notice, stop := a.Dropped(from, m.Id)
		defer stop()
		done := make(chan struct{})
		defer close(done)
		flag = make(chan struct{})
		go func() {
			select {
			case <-notice:
				close(flag)
				conn.SetReadDeadline(time.Now()) // the reply will never come: stop waiting
			case <-done:
			}
		}()
	}
	resp, _, err = c.ExchangeWithConnContext(ctx, m, conn)
	if err != nil && flag != nil {
		select {
		case <-flag:
			dropped = true
		default:
		}
	}
	return resp, dropped, err
}
