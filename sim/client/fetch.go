package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-message/textproto"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
	"github.com/mailflow/mailflow/sim/transcript"
	"github.com/mailflow/mailflow/topology"
)

// Message is one message a fetch read: as the server sent it, with the
// flags it had once read.
type Message struct {
	Raw   []byte
	Flags []string
}

// Fetched is what one fetch read, for the fetched expectations; Err is why
// it stopped short (a refused login, a failed connection).
type Fetched struct {
	Messages []Message
	Err      error
}

// Fetch reads a mailbox over POP3 or IMAP, as the recipient's mail client
// does once step 6 has filed the mail. The error is for a fetch that
// cannot be made (no such mailbox); what went wrong on the wire is in
// Fetched.Err and on the bus.
func (n *Env) Fetch(ctx context.Context, f *scenarios.Fetch) (Fetched, error) {
	u := n.Topology.User(f.User)
	if u == nil || u.Domain.MailboxHost == nil {
		return Fetched{}, fmt.Errorf("fetch: %s has no mailbox here", f.User)
	}
	host := u.Domain.MailboxHost
	password := f.Password
	if password == "" {
		password = u.Password
	}
	svc := map[string]topology.Service{"pop3implicit": topology.POP3S, "imapimplicit": topology.IMAPS,
		"pop3starttls": topology.POP3, "pop3none": topology.POP3, "imapstarttls": topology.IMAP,
		"imapnone": topology.IMAP}[f.Protocol+f.TLS]
	port := n.Port(host.Name, svc)
	keep := f.Keep == nil || *f.Keep
	client := clientFor(u.Address)
	rec := &transcript.Recorder{}
	before := n.Bus.Seq()
	var res Fetched
	if port == 0 {
		res.Err = fmt.Errorf("%s does not run %s", host.Name, svc)
	} else {
		d := net.Dialer{Timeout: n.Timeout, LocalAddr: &net.TCPAddr{IP: net.IP(n.Topology.ClientAddr.AsSlice())}}
		addr := netip.AddrPortFrom(host.Addr, uint16(port)).String()
		conf := &tls.Config{ServerName: host.Name, RootCAs: n.RootCAs, Time: n.CertTime}
		ctx, cancel := context.WithTimeout(ctx, n.Timeout)
		defer cancel()
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			res.Err = err
		} else {
			conn.SetDeadline(time.Now().Add(n.Timeout))
			if f.TLS == "implicit" {
				conn = tls.Client(conn, conf)
			}
			conn = rec.Wrap(conn)
			if f.Protocol == "pop3" {
				res = pop3Fetch(conn, f.TLS == "starttls", conf, rec, u.Address, password, keep)
			} else {
				res = imapFetch(conn, f.TLS == "starttls", conf, rec, u.Address, password, f.Folder, keep)
			}
		}
	}
	// The server tells of its side when the session ends; wait for that, so
	// the client's account comes after it in every run.
	if res.Err == nil {
		wctx, cancel := context.WithTimeout(ctx, n.Timeout)
		n.Bus.Wait(wctx, func(e event.Event) bool {
			return e.Kind == event.RetrievalFetch && strings.EqualFold(e.User, u.Address) && e.Seq > before
		})
		cancel()
	}
	e := event.Event{Kind: event.FetchDone, Actor: client.actor, Host: client.name, Peer: host.Name, User: u.Address,
		Service: string(svc), Port: topology.StandardPort(svc), Folder: f.Folder, Transcript: rec.Lines(),
		Fetch: &event.Fetch{Read: len(res.Messages), Kept: keep}}
	for _, m := range res.Messages {
		if id, ok := n.IDs.Lookup(messageID(m.Raw)); ok {
			e.Messages = append(e.Messages, id)
		}
	}
	if res.Err != nil {
		e.Error = res.Err.Error()
	}
	n.Bus.Publish(e)
	return res, nil
}

// pop3Fetch is a small POP3 client (RFC 1939): log in, list, retrieve every
// message, delete them unless keep, quit.
func pop3Fetch(conn net.Conn, stls bool, conf *tls.Config, rec *transcript.Recorder, user, pass string, keep bool) Fetched {
	var res Fetched
	c := newPOP3Conn(conn)
	defer func() { c.close() }()
	if _, err := c.reply(); err != nil {
		return Fetched{Err: err}
	}
	if stls {
		if _, err := c.cmd("STLS"); err != nil {
			return Fetched{Err: err}
		}
		c = newPOP3Conn(rec.WrapPlain(tls.Client(c.conn, conf)))
	}
	if _, err := c.cmd("USER " + user); err != nil {
		return Fetched{Err: err}
	}
	if _, err := c.cmd("PASS " + pass); err != nil {
		return Fetched{Err: err}
	}
	stat, err := c.cmd("STAT")
	if err != nil {
		return Fetched{Err: err}
	}
	var count, size int
	fmt.Sscanf(stat, "%d %d", &count, &size)
	for i := 1; i <= count; i++ {
		raw, err := c.retr(i)
		if err != nil {
			return Fetched{Messages: res.Messages, Err: err}
		}
		res.Messages = append(res.Messages, Message{Raw: raw})
		if !keep {
			if _, err := c.cmd(fmt.Sprintf("DELE %d", i)); err != nil {
				return Fetched{Messages: res.Messages, Err: err}
			}
		}
	}
	if _, err := c.cmd("QUIT"); err != nil { // QUIT commits the deletions (the UPDATE state)
		res.Err = err
	}
	return res
}

// imapFetch reads a folder with go-imap's client: every message's body and
// flags, then, unless keep, marks them \Deleted and expunges.
func imapFetch(conn net.Conn, starttls bool, conf *tls.Config, rec *transcript.Recorder, user, pass, folder string, keep bool) Fetched {
	opts := &imapclient.Options{TLSConfig: conf, DebugWriter: rec}
	var c *imapclient.Client
	var err error
	if starttls {
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			return Fetched{Err: err}
		}
	} else {
		opts.DebugWriter = nil // the wrapped connection records the plain text
		c = imapclient.New(conn, opts)
	}
	defer c.Close()
	// The client would send LOGIN before it has read the greeting: wait for
	// it, so the transcript shows the server speaking first, as on the wire.
	if err := c.WaitGreeting(); err != nil {
		return Fetched{Err: err}
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		return Fetched{Err: err}
	}
	sel, err := c.Select(folder, nil).Wait()
	if err != nil {
		return Fetched{Err: err}
	}
	var res Fetched
	if sel.NumMessages > 0 {
		all := imap.SeqSetNum()
		all.AddRange(1, sel.NumMessages)
		msgs, err := c.Fetch(all, &imap.FetchOptions{Flags: true, UID: true,
			BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
		if err != nil {
			return Fetched{Err: err}
		}
		for _, m := range msgs {
			fm := Message{}
			for _, b := range m.BodySection {
				fm.Raw = b.Bytes
			}
			for _, f := range m.Flags {
				fm.Flags = append(fm.Flags, string(f))
			}
			if !HasFlag(fm.Flags, string(imap.FlagSeen)) {
				fm.Flags = append(fm.Flags, string(imap.FlagSeen)) // fetching BODY[] sets \Seen (RFC 3501 §6.4.5)
			}
			res.Messages = append(res.Messages, fm)
		}
		if !keep {
			if err := c.Store(all, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
				Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
				return Fetched{Messages: res.Messages, Err: err}
			}
			if err := c.Expunge().Close(); err != nil {
				return Fetched{Messages: res.Messages, Err: err}
			}
		}
	}
	if err := c.Logout().Wait(); err != nil && !errors.Is(err, net.ErrClosed) {
		res.Err = err
	}
	return res
}

// messageID is the Message-ID field of a message, "" when it has none.
func messageID(raw []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return ""
	}
	return h.Get("Message-Id")
}

// HasFlag reports whether flags holds flag, whatever its case.
func HasFlag(flags []string, flag string) bool {
	for _, f := range flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}
