package mailstore

import (
	"errors"
	"slices"
	"testing"
	"time"
)

const folderUser = "carol@example.test"

func folderStore(t *testing.T) *Store {
	t.Helper()
	s := New()
	s.AddUser(folderUser, "pw")
	for _, raw := range []string{"one", "two", "three"} {
		if _, err := s.Deliver(folderUser, Inbox, []byte(raw), time.Time{}, `\Seen`); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func uidsIn(t *testing.T, s *Store, folder string) []uint32 {
	t.Helper()
	msgs, err := s.Messages(folderUser, folder)
	if err != nil {
		t.Fatal(err)
	}
	var uids []uint32
	for _, m := range msgs {
		uids = append(uids, m.UID)
	}
	return uids
}

func TestSnapshot(t *testing.T) {
	s := folderStore(t)
	info, msgs, err := s.Snapshot(folderUser, "inbox")
	if err != nil || info.Name != Inbox || info.Count != 3 || len(msgs) != 3 || info.UIDNext != 4 {
		t.Fatalf("Snapshot: %+v, %d messages, %v", info, len(msgs), err)
	}
	if _, _, err := s.Snapshot(folderUser, "Nope"); !errors.Is(err, ErrNoFolder) {
		t.Fatalf("missing folder: %v", err)
	}
}

func TestCopyAndMove(t *testing.T) {
	s := folderStore(t)
	if err := s.CreateFolder(folderUser, "Archive"); err != nil {
		t.Fatal(err)
	}
	src, dst, err := s.Copy(folderUser, Inbox, []uint32{3, 1, 99}, "Archive")
	if err != nil || !slices.Equal(src, []uint32{1, 3}) || !slices.Equal(dst, []uint32{1, 2}) {
		t.Fatalf("Copy: %v %v %v", src, dst, err)
	}
	archived, _ := s.Messages(folderUser, "Archive")
	if string(archived[1].Raw) != "three" || !archived[1].HasFlag(`\seen`) {
		t.Fatalf("copied message: %+v", archived[1])
	}
	// Copying into the same folder duplicates under new UIDs.
	if _, dst, err := s.Copy(folderUser, "Archive", []uint32{1}, "Archive"); err != nil || !slices.Equal(dst, []uint32{3}) {
		t.Fatalf("Copy to itself: %v %v", dst, err)
	}

	changes, stop, err := s.Watch(folderUser, Inbox)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	src, dst, err = s.Move(folderUser, Inbox, []uint32{2}, "Archive")
	if err != nil || !slices.Equal(src, []uint32{2}) || !slices.Equal(dst, []uint32{4}) {
		t.Fatalf("Move: %v %v %v", src, dst, err)
	}
	if c := <-changes; c.Kind != Expunged || c.UID != 2 {
		t.Fatalf("watcher told %+v", c)
	}
	if got := uidsIn(t, s, Inbox); !slices.Equal(got, []uint32{1, 3}) {
		t.Fatalf("INBOX after Move: %v", got)
	}
	if _, _, err := s.Move(folderUser, Inbox, []uint32{1}, "Nope"); !errors.Is(err, ErrNoFolder) {
		t.Fatalf("Move to a missing folder: %v", err)
	}
	if got := uidsIn(t, s, Inbox); !slices.Equal(got, []uint32{1, 3}) {
		t.Fatalf("a failed Move changed INBOX: %v", got)
	}
}

func TestDeleteRenameSubscribe(t *testing.T) {
	s := folderStore(t)
	if err := s.DeleteFolder(folderUser, "inbox"); !errors.Is(err, ErrInbox) {
		t.Fatalf("DeleteFolder INBOX: %v", err)
	}
	if err := s.RenameFolder(folderUser, Inbox, "Old"); !errors.Is(err, ErrInbox) {
		t.Fatalf("RenameFolder INBOX: %v", err)
	}
	if _, err := s.Deliver(folderUser, "Work", []byte("w"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.Info(folderUser, "Work")
	if err := s.CreateFolder(folderUser, "Taken"); err != nil {
		t.Fatal(err)
	}
	if err := s.RenameFolder(folderUser, "Work", "Taken"); !errors.Is(err, ErrFolderExists) {
		t.Fatalf("rename onto an existing folder: %v", err)
	}
	if err := s.RenameFolder(folderUser, "Work", "Jobs"); err != nil {
		t.Fatal(err)
	}
	after, _ := s.Info(folderUser, "Jobs")
	if after.UIDValidity != before.UIDValidity || after.Count != 1 || after.Name != "Jobs" {
		t.Fatalf("renamed folder %+v, was %+v", after, before)
	}
	if err := s.SetSubscribed(folderUser, "Jobs", false); err != nil {
		t.Fatal(err)
	}
	if info, _ := s.Info(folderUser, "Jobs"); info.Subscribed {
		t.Fatal("still subscribed")
	}
	if err := s.DeleteFolder(folderUser, "Jobs"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFolder(folderUser, "Jobs"); !errors.Is(err, ErrNoFolder) {
		t.Fatalf("second delete: %v", err)
	}
	// A folder created again under the same name gets a new UIDVALIDITY.
	if err := s.CreateFolder(folderUser, "Jobs"); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Info(folderUser, "Jobs"); again.UIDValidity == before.UIDValidity {
		t.Fatal("UIDVALIDITY reused")
	}
	names, _ := s.Folders(folderUser)
	if !slices.Equal(names, []string{Inbox, "Jobs", "Taken"}) {
		t.Fatalf("folders %v", names)
	}
}
