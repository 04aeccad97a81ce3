package workers

import (
	"errors"
	"sync"
	"testing"
)

func TestNumberedDoesEachNumberOnce(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	err := Numbered(4, 3, 103, func(i int) (bool, error) {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 100 {
		t.Fatalf("%d numbers done, want 100", len(seen))
	}
	for i := 3; i < 103; i++ {
		if seen[i] != 1 {
			t.Errorf("number %d done %d times", i, seen[i])
		}
	}
}

func TestNumberedStopsAWorkerOnItsError(t *testing.T) {
	boom := errors.New("boom")
	var mu sync.Mutex
	done := 0
	err := Numbered(1, 0, 10, func(i int) (bool, error) {
		mu.Lock()
		done++
		mu.Unlock()
		if i == 4 {
			return false, boom
		}
		return true, nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if done != 5 {
		t.Fatalf("one worker did %d numbers, want 5 (it stops at its error)", done)
	}
}

func TestNumberedStopsAWorkerThatSaysSo(t *testing.T) {
	var mu sync.Mutex
	done := 0
	err := Numbered(1, 1, 11, func(i int) (bool, error) {
		mu.Lock()
		done++
		mu.Unlock()
		return i < 3, nil
	})
	if err != nil || done != 3 {
		t.Fatalf("err = %v, done = %d; want nil, 3", err, done)
	}
}

func TestNumberedWithNothingToDo(t *testing.T) {
	if err := Numbered(3, 5, 5, func(int) (bool, error) { t.Error("called"); return true, nil }); err != nil {
		t.Fatal(err)
	}
}
