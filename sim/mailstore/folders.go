package mailstore

import (
	"errors"
	"fmt"
	"sort"
)

// ErrInbox is returned when an operation would delete or rename INBOX, which
// every user keeps.
var ErrInbox = errors.New("INBOX cannot be deleted or renamed")

// Snapshot returns a folder's info and copies of its messages, read under
// one lock so the two agree (UIDNext is above every listed UID).
func (s *Store) Snapshot(address, folderName string) (FolderInfo, []Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := s.folderLocked(address, folderName)
	if err != nil {
		return FolderInfo{}, nil, err
	}
	out := make([]Message, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = copyMessage(m)
	}
	info := FolderInfo{Name: f.name, UIDValidity: f.uidValidity, UIDNext: f.uidNext,
		Count: len(f.msgs), Subscribed: s.users[userKey(address)].subscribed[f.name]}
	return info, out, nil
}

// DeleteFolder removes a folder and its messages. INBOX cannot be deleted.
func (s *Store) DeleteFolder(address, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return err
	}
	key := folderKey(name)
	if key == Inbox {
		return ErrInbox
	}
	f, ok := u.folders[key]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoFolder, name)
	}
	for _, m := range f.msgs {
		f.notifyLocked(Change{Kind: Expunged, UID: m.UID})
	}
	delete(u.folders, key)
	return nil
}

// RenameFolder gives a folder a new name. Its messages keep their UIDs, so
// UIDVALIDITY is unchanged. INBOX cannot be renamed.
func (s *Store) RenameFolder(address, oldName, newName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return err
	}
	oldKey, newKey := folderKey(oldName), folderKey(newName)
	if oldKey == Inbox || newKey == Inbox {
		return ErrInbox
	}
	f, ok := u.folders[oldKey]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoFolder, oldName)
	}
	if _, ok := u.folders[newKey]; ok {
		return fmt.Errorf("%w: %s", ErrFolderExists, newName)
	}
	delete(u.folders, oldKey)
	f.name = newKey
	u.folders[newKey] = f
	if u.subscribed[oldKey] { // the subscription follows the folder
		delete(u.subscribed, oldKey)
		u.subscribed[newKey] = true
	}
	return nil
}

// SetSubscribed subscribes to a folder, which must exist, or unsubscribes
// from a name, which need not exist any more (IMAP SUBSCRIBE/UNSUBSCRIBE).
func (s *Store) SetSubscribed(address, name string, subscribed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return err
	}
	key := folderKey(name)
	if _, exists := u.folders[key]; subscribed && !exists {
		return fmt.Errorf("%w: %s", ErrNoFolder, name)
	}
	if !subscribed && !u.subscribed[key] {
		if _, exists := u.folders[key]; !exists {
			return fmt.Errorf("%w: %s", ErrNoFolder, name)
		}
	}
	if subscribed {
		u.subscribed[key] = true
	} else {
		delete(u.subscribed, key)
	}
	return nil
}

// Subscriptions lists the subscribed names of a user, existing or not,
// sorted.
func (s *Store) Subscriptions(address string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(address)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(u.subscribed))
	for name := range u.subscribed {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// Copy files copies of the messages with the given UIDs into folder to,
// which must exist, keeping their flags and internal dates. It returns the
// source UIDs that were copied and, in the same order, their new UIDs.
func (s *Store) Copy(address, from string, uids []uint32, to string) (src, dst []uint32, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copyLocked(address, from, uids, to)
}

// Move is Copy followed by the expunge of the copied messages from folder
// from, done under one lock so no one sees the message twice or not at all.
func (s *Store) Move(address, from string, uids []uint32, to string) (src, dst []uint32, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, dst, err = s.copyLocked(address, from, uids, to)
	if err != nil {
		return nil, nil, err
	}
	f, err := s.folderLocked(address, from)
	if err != nil {
		return nil, nil, err
	}
	f.expungeLocked(src)
	return src, dst, nil
}

func (s *Store) copyLocked(address, from string, uids []uint32, to string) (src, dst []uint32, err error) {
	sf, err := s.folderLocked(address, from)
	if err != nil {
		return nil, nil, err
	}
	df, err := s.folderLocked(address, to)
	if err != nil {
		return nil, nil, err
	}
	want := make(map[uint32]bool, len(uids))
	for _, uid := range uids {
		want[uid] = true
	}
	var picked []*Message
	for _, m := range sf.msgs { // collected first: from and to may be the same folder
		if want[m.UID] {
			picked = append(picked, m)
		}
	}
	for _, m := range picked {
		c := copyMessage(m)
		c.UID = df.uidNext
		df.uidNext++
		df.msgs = append(df.msgs, &c)
		df.totals.add(&c, 1)
		src = append(src, m.UID)
		dst = append(dst, c.UID)
		df.notifyLocked(Change{Kind: Added, UID: c.UID})
	}
	return src, dst, nil
}

// expungeLocked removes the messages with the given UIDs and tells watchers.
func (f *folder) expungeLocked(uids []uint32) []uint32 {
	drop := make(map[uint32]bool, len(uids))
	for _, uid := range uids {
		drop[uid] = true
	}
	var removed []uint32
	kept := make([]*Message, 0, len(f.msgs))
	for _, m := range f.msgs {
		if drop[m.UID] {
			removed = append(removed, m.UID)
			f.totals.add(m, -1)
			continue
		}
		kept = append(kept, m)
	}
	f.msgs = kept
	for _, uid := range removed {
		f.notifyLocked(Change{Kind: Expunged, UID: uid})
	}
	return removed
}
