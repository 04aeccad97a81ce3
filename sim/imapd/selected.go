package imapd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// selection is the selected state of a session: the shared mailbox and
// this session's tracker, which maps between the mailbox's sequence numbers
// and the ones this client knows (they differ until updates are sent).
type selection struct {
	mb        *mailbox
	st        *imapserver.SessionTracker
	readOnly  bool
	searchRes imap.UIDSet // SEARCHRES "$"
	out       io.Writer   // the connection, for the untagged FLAGS imapserver has no writer for

	// Guarded by mb.mu.
	recent     map[uint32]bool // the UIDs that are \Recent to this session
	recentSent int             // the RECENT count the client last heard
	rev1       bool            // the client speaks IMAP4rev1, where \Recent exists
	flagsSent  map[imap.Flag]bool
	lastMsgs   []mailstore.Message
	// flagUpdates are UIDs of \Recent messages whose flags changed, for
	// poll to send with \Recent (the tracker's updates lack it).
	flagUpdates map[uint32]bool
}

// hit is a message picked by a command, with its sequence number as the
// client knows it.
type hit struct {
	seq uint32
	msg mailstore.Message
}

func (s *session) Select(name string, opts *imap.SelectOptions) (*imap.SelectData, error) {
	if s.sel != nil {
		s.unselect()
	}
	mb, err := s.srv.hub.open(s.user, name)
	if err != nil {
		return nil, storeErr(err)
	}
	var (
		msgs []mailstore.Message
		info mailstore.FolderInfo
		sel  = &selection{mb: mb, readOnly: opts.ReadOnly, out: s.conn, recent: make(map[uint32]bool),
			flagUpdates: make(map[uint32]bool),
			rev1:        !s.ic.EnabledCaps().Has(imap.CapIMAP4rev2)}
		numRecent uint32
	)
	err = mb.locked(func() error {
		if msgs, err = mb.syncLocked(nil); err != nil {
			return err
		}
		info, err = s.store().Info(s.user, mb.name) // after Messages: UIDNEXT is above them all
		if err != nil {
			return err
		}
		sel.st = mb.tracker.NewSession()
		// What arrived since the last session looked is \Recent to this
		// one; EXAMINE sees it but leaves it for the next SELECT.
		for _, m := range msgs {
			if m.UID > mb.recentFloor {
				numRecent++
				if sel.claims() {
					sel.recent[m.UID] = true
				}
			}
		}
		if sel.claims() && len(msgs) > 0 {
			mb.recentFloor = max(mb.recentFloor, msgs[len(msgs)-1].UID)
		}
		sel.recentSent = int(numRecent)
		sel.flagsSent = flagSet(mailboxFlags(msgs))
		mb.sels = append(mb.sels, sel)
		return nil
	})
	if err != nil {
		s.srv.hub.release(mb)
		return nil, storeErr(err)
	}
	s.setSel(sel)
	s.folder = mb.name
	data := &imap.SelectData{
		Flags:       mailboxFlags(msgs),
		NumMessages: uint32(len(msgs)),
		NumRecent:   numRecent,
		UIDNext:     imap.UID(info.UIDNext),
		UIDValidity: info.UIDValidity,
	}
	if !opts.ReadOnly {
		data.PermanentFlags = append(slices.Clone(data.Flags), imap.FlagWildcard)
	}
	for i, m := range msgs {
		if !m.HasFlag(string(imap.FlagSeen)) {
			data.FirstUnseenSeqNum = uint32(i + 1)
			break
		}
	}
	return data, nil
}

// setSel changes the selection. The lock is for Idle, the one method that
// reads s.sel from another goroutine; the connection's goroutine does every
// write, so its own reads need no lock.
func (s *session) setSel(sel *selection) {
	s.selMu.Lock()
	s.sel = sel
	s.selMu.Unlock()
}

func (s *session) Unselect() error {
	s.unselect()
	return nil
}

func (s *session) unselect() {
	sel := s.sel
	s.setSel(nil)
	_ = sel.mb.locked(func() error {
		sel.st.Close()
		sel.mb.sels = slices.DeleteFunc(sel.mb.sels, func(o *selection) bool { return o == sel })
		return nil
	})
	s.srv.hub.release(sel.mb)
}

// Poll runs after every command: it brings the mailbox up to date with the
// store and sends this client the updates queued for it.
func (s *session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if s.sel == nil {
		return nil
	}
	return s.sel.poll(w, allowExpunge)
}

// poll sends the client what changed: new keywords first, then
// imapserver's queued updates, then the RECENT count when it grew.
func (sel *selection) poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	var (
		recent int
		flags  string
	)
	err := sel.mb.locked(func() error {
		msgs, err := sel.mb.syncLocked(nil)
		if err != nil {
			return err
		}
		flags = sel.flagsUpdate(msgs)
		recent = sel.recentNow(msgs)
		return nil
	})
	if err != nil {
		return storeErr(err)
	}
	if err := sel.untagged(flags); err != nil {
		return err
	}
	if err := sel.st.Poll(w, allowExpunge); err != nil {
		return err
	}
	if err := sel.sendRecentFlags(w); err != nil {
		return err
	}
	if recent > sel.recentSent && sel.rev1 {
		sel.recentSent = recent
		return w.WriteNumRecent(uint32(recent))
	}
	return nil
}

// Idle sends updates as they happen until the client says DONE. The waiter
// is registered before the first sync, so no change can slip between. It
// runs in a goroutine of its own that imapserver does not wait for when the
// connection breaks, so it keeps to its own copy of the selection.
func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	s.selMu.Lock()
	sel := s.sel
	s.selMu.Unlock()
	if sel == nil {
		return nil
	}
	mb := sel.mb
	wake := make(chan struct{}, 1)
	_ = mb.locked(func() error {
		mb.waiters[wake] = struct{}{}
		return nil
	})
	defer mb.locked(func() error { //nolint:errcheck // never fails
		delete(mb.waiters, wake)
		return nil
	})
	for {
		if err := sel.poll(w, true); err != nil {
			return err
		}
		select {
		case <-wake:
		case <-stop:
			return nil
		}
	}
}

// pick resolves a sequence or UID set against the synced messages. Call
// with mb.mu held.
func (sel *selection) pick(numSet imap.NumSet, msgs []mailstore.Message) []hit {
	if imap.IsSearchRes(numSet) {
		numSet = sel.searchRes
	}
	var hits []hit
	for i, m := range msgs {
		seq := sel.st.EncodeSeqNum(uint32(i + 1))
		if seq == 0 {
			continue // not announced to this client yet
		}
		var in bool
		switch set := numSet.(type) {
		case imap.SeqSet:
			in = set.Contains(seq)
		case imap.UIDSet:
			in = set.Contains(imap.UID(m.UID))
		}
		if in {
			hits = append(hits, hit{seq: seq, msg: m})
		}
	}
	return hits
}

// static replaces "*" in a set by the largest number the client knows.
// Call with mb.mu held.
func (sel *selection) static(numSet imap.NumSet, msgs []mailstore.Message) imap.NumSet {
	switch set := numSet.(type) {
	case imap.SeqSet:
		var maxSeq uint32
		for i := len(msgs); i > 0 && maxSeq == 0; i-- {
			maxSeq = sel.st.EncodeSeqNum(uint32(i))
		}
		out := slices.Clone(set)
		for i := range out {
			staticRange(&out[i].Start, &out[i].Stop, maxSeq)
		}
		return out
	case imap.UIDSet:
		var maxUID uint32
		if len(msgs) > 0 {
			maxUID = msgs[len(msgs)-1].UID
		}
		out := slices.Clone(set)
		for i := range out {
			staticRange((*uint32)(&out[i].Start), (*uint32)(&out[i].Stop), maxUID)
		}
		return out
	}
	return numSet
}

func staticRange(start, stop *uint32, maxNum uint32) {
	if *start == 0 {
		*start = maxNum
	}
	if *stop == 0 {
		*stop = maxNum
	}
	if *start > *stop {
		*start, *stop = *stop, *start
	}
}

// collect syncs and picks the messages named by numSet. The synced
// messages stay in lastMsgs until the lock is released.
func (sel *selection) collect(numSet imap.NumSet, source *imapserver.SessionTracker) ([]hit, error) {
	msgs, err := sel.mb.syncLocked(source)
	if err != nil {
		return nil, storeErr(err)
	}
	sel.lastMsgs = msgs
	if !imap.IsSearchRes(numSet) {
		numSet = sel.static(numSet, msgs)
	}
	return sel.pick(numSet, msgs), nil
}

func uidsOf(hits []hit) []uint32 {
	uids := make([]uint32, len(hits))
	for i, h := range hits {
		uids[i] = h.msg.UID
	}
	return uids
}

func (s *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, opts *imap.FetchOptions) error {
	sel := s.sel
	markSeen := false
	for _, bs := range opts.BodySection {
		markSeen = markSeen || !bs.Peek
	}
	for _, bs := range opts.BinarySection {
		markSeen = markSeen || !bs.Peek
	}
	markSeen = markSeen && !sel.readOnly
	var (
		hits   []hit
		recent map[uint32]bool
		flags  string
	)
	err := sel.mb.locked(func() error {
		defer func() { recent = maps.Clone(sel.recent) }()
		var err error
		if hits, err = sel.collect(numSet, nil); err != nil {
			return err
		}
		if opts.Flags {
			flags = sel.flagsUpdate(sel.lastMsgs)
		}
		if !markSeen {
			return nil
		}
		var unseen []uint32
		for _, h := range hits {
			if !h.msg.HasFlag(string(imap.FlagSeen)) {
				unseen = append(unseen, h.msg.UID)
			}
		}
		if len(unseen) == 0 {
			return nil
		}
		// The other sessions hear of \Seen by update; this one in the
		// FETCH responses, which carry FLAGS for it (RFC 3501 §6.4.5).
		if _, err := s.store().SetFlags(s.user, sel.mb.name, unseen, mailstore.AddFlags, []string{string(imap.FlagSeen)}); err != nil {
			return err
		}
		withFlags := *opts
		withFlags.Flags = true
		opts = &withFlags
		hits, err = sel.collect(numSet, sel.st)
		return err
	})
	if err != nil {
		return storeErr(err)
	}
	// Written without the lock: a slow client must not stall the others.
	if err := sel.untagged(flags); err != nil {
		return err
	}
	for _, h := range hits {
		if len(opts.BodySection) > 0 || len(opts.BinarySection) > 0 {
			s.read[fmt.Sprintf("%s/%d", sel.mb.name, h.msg.UID)] = true
		}
		if err := writeFetch(w.CreateMessage(h.seq), h.msg, opts, recent[h.msg.UID]); err != nil {
			return err
		}
	}
	return nil
}

// writeFetch writes one FETCH response; recent adds \Recent to FLAGS.
func writeFetch(w *imapserver.FetchResponseWriter, m mailstore.Message, opts *imap.FetchOptions, recent bool) error {
	raw := crlf(m.Raw)
	w.WriteUID(imap.UID(m.UID))
	if opts.Flags {
		flags := imapFlags(m.Flags)
		if recent {
			flags = append(flags, imap.Flag(`\Recent`))
		}
		w.WriteFlags(flags)
	}
	if opts.InternalDate {
		w.WriteInternalDate(m.InternalDate)
	}
	if opts.RFC822Size {
		w.WriteRFC822Size(int64(len(raw)))
	}
	if opts.Envelope {
		w.WriteEnvelope(envelope(raw))
	}
	if opts.BodyStructure != nil {
		w.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(raw)))
	}
	for _, bs := range opts.BodySection {
		buf := imapserver.ExtractBodySection(bytes.NewReader(raw), bs)
		if err := writeLiteral(w.WriteBodySection(bs, int64(len(buf))), buf); err != nil {
			return err
		}
	}
	for _, bs := range opts.BinarySection {
		buf := imapserver.ExtractBinarySection(bytes.NewReader(raw), bs)
		if err := writeLiteral(w.WriteBinarySection(bs, int64(len(buf))), buf); err != nil {
			return err
		}
	}
	for _, bss := range opts.BinarySectionSize {
		w.WriteBinarySectionSize(bss, imapserver.ExtractBinarySectionSize(bytes.NewReader(raw), bss))
	}
	return w.Close()
}

func writeLiteral(wc io.WriteCloser, buf []byte) error {
	_, werr := wc.Write(buf)
	cerr := wc.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

func readOnlyErr() error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Mailbox is read-only (EXAMINE)"}
}

func (s *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, _ *imap.StoreOptions) error {
	sel := s.sel
	if sel.readOnly {
		return readOnlyErr()
	}
	op := map[imap.StoreFlagsOp]mailstore.FlagOp{
		imap.StoreFlagsSet: mailstore.ReplaceFlags, imap.StoreFlagsAdd: mailstore.AddFlags, imap.StoreFlagsDel: mailstore.RemoveFlags,
	}[flags.Op]
	var (
		hits   []hit
		recent map[uint32]bool
		update string
	)
	err := sel.mb.locked(func() error {
		var err error
		if hits, err = sel.collect(numSet, nil); err != nil || len(hits) == 0 {
			return err
		}
		if _, err := s.store().SetFlags(s.user, sel.mb.name, uidsOf(hits), op, storeFlags(flags.Flags)); err != nil {
			return err
		}
		// This client hears of its change in the reply, the others by update.
		if hits, err = sel.collect(numSet, sel.st); err != nil {
			return err
		}
		recent = maps.Clone(sel.recent)
		update = sel.flagsUpdate(sel.lastMsgs)
		return nil
	})
	if err == nil {
		err = sel.untagged(update)
	}
	if err != nil || flags.Silent {
		return storeErr(err)
	}
	for _, h := range hits {
		if err := writeFetch(w.CreateMessage(h.seq), h.msg, &imap.FetchOptions{Flags: true}, recent[h.msg.UID]); err != nil {
			return err
		}
	}
	return nil
}

// Expunge removes the messages marked \Deleted (only those in uids, for UID
// EXPUNGE). The EXPUNGE replies reach this client through Poll, like every
// other session's. In a read-only mailbox it does nothing, as CLOSE needs.
func (s *session) Expunge(_ *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	sel := s.sel
	if sel.readOnly {
		return nil
	}
	return storeErr(sel.mb.locked(func() error {
		msgs, err := sel.mb.syncLocked(nil)
		if err != nil {
			return err
		}
		var del []uint32
		for _, m := range msgs {
			if m.HasFlag(string(imap.FlagDeleted)) && (uids == nil || uids.Contains(imap.UID(m.UID))) {
				del = append(del, m.UID)
			}
		}
		if len(del) == 0 {
			return nil
		}
		removed, err := s.store().Expunge(s.user, sel.mb.name, del)
		s.expunged += len(removed)
		if err != nil {
			return err
		}
		_, err = sel.mb.syncLocked(nil)
		return err
	}))
}

func (s *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	sel := s.sel
	var hits []hit
	err := sel.mb.locked(func() error {
		var err error
		hits, err = sel.collect(numSet, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	src, dst, err := s.store().Copy(s.user, sel.mb.name, uidsOf(hits), dest)
	if err != nil {
		return nil, tryCreate(err)
	}
	return s.copyData(dest, src, dst)
}

func (s *session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	sel := s.sel
	if sel.readOnly {
		return readOnlyErr()
	}
	var src, dst []uint32
	err := sel.mb.locked(func() error {
		hits, err := sel.collect(numSet, nil)
		if err != nil {
			return err
		}
		if src, dst, err = s.store().Move(s.user, sel.mb.name, uidsOf(hits), dest); err != nil {
			return tryCreate(err)
		}
		s.expunged += len(src)
		// Queues the EXPUNGEs, which Poll sends after COPYUID (RFC 6851 §4.3).
		_, err = sel.mb.syncLocked(nil)
		return err
	})
	if err != nil {
		return storeErr(err)
	}
	data, err := s.copyData(dest, src, dst)
	if err != nil || data == nil {
		return err
	}
	return w.WriteCopyData(data)
}

func tryCreate(err error) error {
	if errors.Is(err, mailstore.ErrNoFolder) {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "No such mailbox"}
	}
	return storeErr(err)
}

// copyData builds the COPYUID reply (RFC 4315); nil when nothing moved.
func (s *session) copyData(dest string, src, dst []uint32) (*imap.CopyData, error) {
	if len(src) == 0 {
		return nil, nil
	}
	info, err := s.store().Info(s.user, dest)
	if err != nil {
		return nil, storeErr(err)
	}
	data := &imap.CopyData{UIDValidity: info.UIDValidity}
	for i := range src {
		data.SourceUIDs.AddNum(imap.UID(src[i]))
		data.DestUIDs.AddNum(imap.UID(dst[i]))
	}
	return data, nil
}

// crlf gives bare LF line endings a CR, as IMAP sends messages.
func crlf(raw []byte) []byte {
	bare := false
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/32+1)
	for i, b := range raw {
		if b == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}
