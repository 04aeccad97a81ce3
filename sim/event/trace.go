package event

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Recorder writes each event as one JSON line. Write errors are kept and
// reported by Err, so a full disk does not stop the run.
type Recorder struct {
	mu  sync.Mutex
	enc *json.Encoder
	err error
}

// NewRecorder returns a sink writing JSON Lines to w.
func NewRecorder(w io.Writer) *Recorder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &Recorder{enc: enc}
}

// Handle writes e as one line.
func (r *Recorder) Handle(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	r.err = r.enc.Encode(e)
}

// Err returns the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// ReadTrace reads a JSON Lines trace back into events. A malformed line, or
// one of another format version, is an error naming its line number.
func ReadTrace(r io.Reader) ([]Event, error) {
	var events []Event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return events, fmt.Errorf("trace line %d: %w", line, err)
		}
		if e.V != Version {
			return events, fmt.Errorf("trace line %d: event format v%d, this mailflow reads v%d (record the trace again)", line, e.V, Version)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		return events, fmt.Errorf("trace line %d: %w", line+1, err)
	}
	return events, nil
}
