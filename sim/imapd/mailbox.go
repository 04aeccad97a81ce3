package imapd

import (
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"github.com/mailflow/mailflow/sim/mailstore"
)

// hub keeps one mailbox per selected folder, shared by every session that
// selected it.
type hub struct {
	store *mailstore.Store
	wg    *sync.WaitGroup
	log   *slog.Logger

	mu    sync.Mutex
	boxes map[string]*mailbox
	// floors keeps, per folder and UIDVALIDITY, the highest UID some
	// session has seen as \Recent: a message is recent to one session only.
	floors map[string]uint32
}

func newHub(store *mailstore.Store, wg *sync.WaitGroup, log *slog.Logger) *hub {
	return &hub{store: store, wg: wg, log: log, boxes: make(map[string]*mailbox), floors: make(map[string]uint32)}
}

func floorKey(key string, uidValidity uint32) string {
	return fmt.Sprintf("%s\x00%d", key, uidValidity)
}

func boxKey(user, folder string) string { return strings.ToLower(user) + "\x00" + folder }

// mailbox is what the sessions that selected one folder share: the message
// order they agree on (index i is server sequence number i+1) and the
// imapserver tracker that queues EXISTS, EXPUNGE and FETCH FLAGS updates to
// each of them. The store stays the only copy of the messages; sync brings
// the order up to date with it.
type mailbox struct {
	hub     *hub
	key     string
	user    string
	name    string // canonical folder name
	tracker *imapserver.MailboxTracker
	quit    chan struct{}
	stop    func() // ends the store watch

	refs int // guarded by hub.mu

	// mu guards the fields below, and every call that queues tracker
	// updates or maps sequence numbers: the tracker needs them serialised.
	mu      sync.Mutex
	uids    []uint32
	flags   map[uint32]string // flagKey per UID, to notice changes
	waiters map[chan struct{}]struct{}
	// sels are the sessions that selected the folder, oldest first; a new
	// message is \Recent to the oldest read-write one.
	sels        []*selection
	uidValidity uint32
	recentFloor uint32 // the highest UID claimed as \Recent
}

// open returns the shared mailbox of a folder, starting to watch the store
// when it is the first session to select it. Call release when done.
func (h *hub) open(user, folder string) (*mailbox, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	info, err := h.store.Info(user, folder)
	if err != nil {
		return nil, err
	}
	key := boxKey(user, info.Name)
	if mb, ok := h.boxes[key]; ok {
		mb.refs++
		return mb, nil
	}
	// Watch before reading so no change falls between the two.
	changes, stop, err := h.store.Watch(user, info.Name)
	if err != nil {
		return nil, err
	}
	msgs, err := h.store.Messages(user, info.Name)
	if err != nil {
		stop()
		return nil, err
	}
	mb := &mailbox{
		hub: h, key: key, user: user, name: info.Name, refs: 1,
		uidValidity: info.UIDValidity, recentFloor: h.floors[floorKey(key, info.UIDValidity)],
		tracker: imapserver.NewMailboxTracker(uint32(len(msgs))),
		quit:    make(chan struct{}), stop: stop,
		flags: make(map[uint32]string, len(msgs)), waiters: make(map[chan struct{}]struct{}),
	}
	for _, m := range msgs {
		mb.uids = append(mb.uids, m.UID)
		mb.flags[m.UID] = flagKey(m.Flags)
	}
	h.boxes[key] = mb
	h.wg.Add(1)
	go mb.watch(changes)
	return mb, nil
}

func (h *hub) release(mb *mailbox) {
	h.mu.Lock()
	defer h.mu.Unlock()
	mb.refs--
	if mb.refs == 0 {
		mb.mu.Lock()
		h.floors[floorKey(mb.key, mb.uidValidity)] = mb.recentFloor
		mb.mu.Unlock()
		delete(h.boxes, mb.key)
		mb.stop()
		close(mb.quit)
	}
}

// inUse reports whether some session has the folder selected.
func (h *hub) inUse(user, folder string) bool {
	info, err := h.store.Info(user, folder)
	if err != nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.boxes[boxKey(user, info.Name)]
	return ok
}

// watch syncs whenever the store changes the folder, so idling clients
// hear of new and vanished messages without asking.
func (mb *mailbox) watch(changes <-chan mailstore.Change) {
	defer mb.hub.wg.Done()
	for {
		select {
		case <-mb.quit:
			return
		case <-changes:
		}
		for drained := false; !drained; { // one sync covers a burst
			select {
			case <-changes:
			default:
				drained = true
			}
		}
		if err := mb.sync(); err != nil {
			mb.hub.log.Debug("mailbox sync failed", "folder", mb.name, "err", err)
		}
	}
}

// locked runs f with mb.mu held. The deferred unlock matters: imapserver
// recovers a panicking command, and a lock left held would stall every
// session of the folder.
func (mb *mailbox) locked(f func() error) error {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	return f()
}

func (mb *mailbox) sync() error {
	return mb.locked(func() error {
		_, err := mb.syncLocked(nil)
		return err
	})
}

// syncLocked reads the folder and queues to the sessions what changed since
// the last sync: EXPUNGE for messages gone, FETCH FLAGS for changed flags
// (not to source, which answers its own STORE), EXISTS for new messages.
// It returns the messages, aligned with mb.uids: msgs[i] is sequence
// number i+1.
func (mb *mailbox) syncLocked(source *imapserver.SessionTracker) ([]mailstore.Message, error) {
	msgs, err := mb.hub.store.Messages(mb.user, mb.name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", mb.name, err)
	}
	present := make(map[uint32]int, len(msgs))
	for i, m := range msgs {
		present[m.UID] = i
	}
	changed := false
	// From the end, so the sequence numbers still to expunge hold.
	for i := len(mb.uids) - 1; i >= 0; i-- {
		if _, ok := present[mb.uids[i]]; !ok {
			mb.tracker.QueueExpunge(uint32(i + 1))
			delete(mb.flags, mb.uids[i])
			mb.uids = slices.Delete(mb.uids, i, i+1)
			changed = true
		}
	}
	for i, uid := range mb.uids {
		m := msgs[present[uid]]
		if k := flagKey(m.Flags); k != mb.flags[uid] {
			mb.flags[uid] = k
			mb.queueFlags(uint32(i+1), uid, m.Flags, source)
			changed = true
		}
	}
	if n := len(mb.uids); len(msgs) > n {
		for _, m := range msgs { // in UID order: new messages come last
			if _, known := mb.flags[m.UID]; !known {
				mb.uids = append(mb.uids, m.UID)
				mb.flags[m.UID] = flagKey(m.Flags)
				mb.claimRecent(m.UID)
			}
		}
		mb.tracker.QueueNumMessages(uint32(len(mb.uids)))
		changed = true
	}
	if changed {
		for w := range mb.waiters {
			select {
			case w <- struct{}{}:
			default:
			}
		}
	}
	aligned := make([]mailstore.Message, len(mb.uids))
	for i, uid := range mb.uids {
		aligned[i] = msgs[present[uid]]
	}
	return aligned, nil
}

// queueFlags tells the sessions of a message's new flags. imapserver's
// tracker sends every session the same list, so the one session the
// message is \Recent to is left out and hears of it from its own poll,
// with \Recent. Call with mb.mu held.
func (mb *mailbox) queueFlags(seq, uid uint32, flags []string, source *imapserver.SessionTracker) {
	var owner *selection
	for _, sel := range mb.sels {
		if sel.recent[uid] {
			owner = sel
		}
	}
	if owner == nil {
		mb.tracker.QueueMessageFlags(seq, imap.UID(uid), imapFlags(flags), source)
		return
	}
	// With both a source and an owner, the source may hear of its own
	// change twice; the flags agree.
	mb.tracker.QueueMessageFlags(seq, imap.UID(uid), imapFlags(flags), owner.st)
	if owner.st != source {
		owner.flagUpdates[uid] = true
	}
}

// claimRecent gives a message that arrived while the folder is selected to
// the oldest read-write session as \Recent. Call with mb.mu held.
func (mb *mailbox) claimRecent(uid uint32) {
	if uid <= mb.recentFloor {
		return
	}
	for _, sel := range mb.sels {
		if sel.claims() {
			sel.recent[uid] = true
			mb.recentFloor = uid
			return
		}
	}
}

// recentCount counts the messages of msgs that are \Recent to some session
// or to the next one to select the folder. Call with mb.mu held.
func (mb *mailbox) recentCount(msgs []mailstore.Message) uint32 {
	var n uint32
	for _, m := range msgs {
		if m.UID > mb.recentFloor {
			n++
			continue
		}
		for _, sel := range mb.sels {
			if sel.recent[m.UID] {
				n++
				break
			}
		}
	}
	return n
}

// recentCount counts the \Recent messages of a folder, selected or not.
func (h *hub) recentCount(user string, info mailstore.FolderInfo, msgs []mailstore.Message) uint32 {
	key := boxKey(user, info.Name)
	h.mu.Lock()
	mb, open := h.boxes[key]
	floor := h.floors[floorKey(key, info.UIDValidity)]
	h.mu.Unlock()
	if open {
		var n uint32
		_ = mb.locked(func() error {
			n = mb.recentCount(msgs)
			return nil
		})
		return n
	}
	var n uint32
	for _, m := range msgs {
		if m.UID > floor {
			n++
		}
	}
	return n
}

// flagKey is a canonical form of a flag list, for comparison.
func flagKey(flags []string) string {
	k := make([]string, len(flags))
	for i, f := range flags {
		k[i] = strings.ToLower(f)
	}
	sort.Strings(k)
	return strings.Join(k, " ")
}

var systemFlags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}

// imapFlags converts stored flags, giving system flags their usual case.
func imapFlags(flags []string) []imap.Flag {
	out := make([]imap.Flag, 0, len(flags))
	for _, f := range flags {
		out = append(out, canonicalFlag(f))
	}
	return out
}

func canonicalFlag(f string) imap.Flag {
	for _, sf := range systemFlags {
		if strings.EqualFold(f, string(sf)) {
			return sf
		}
	}
	return imap.Flag(f)
}

// storeFlags keeps the flags a client may set: the system flags but
// \Recent, and keywords.
func storeFlags(flags []imap.Flag) []string {
	var out []string
	for _, f := range flags {
		cf := canonicalFlag(string(f))
		if strings.HasPrefix(string(cf), `\`) && !slices.Contains(systemFlags, cf) {
			continue
		}
		out = append(out, string(cf))
	}
	return out
}
