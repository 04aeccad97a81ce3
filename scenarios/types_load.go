package scenarios

// LoadAction sends many messages at once, as a bulk mailer or a busy
// organisation does, to show what a relay does under volume: its queue,
// its limits, how long each step takes. `mailflow run` and `mailflow test`
// submit the messages one at a time, in order, so that the trace is the
// same in every run; `mailflow load` submits them concurrency at a time
// and measures the rates and latencies in wall time.
type LoadAction struct {
	// ID names the load; its messages are <id>-1, <id>-2, ... in events and
	// expectations. Defaults to load1, load2, ... in the order of the load
	// actions.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Count is how many messages are sent.
	Count int `yaml:"count" json:"count"`
	// From lists the senders, users of the simulated domains who log in
	// with their password; the messages take them in turn.
	From []string `yaml:"from" json:"from"`
	// To lists the recipients; each message goes to the next one in turn.
	To []string `yaml:"to" json:"to"`
	// Concurrency is how many mail clients submit at once under `mailflow
	// load`. Defaults to 1.
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Size is the length of each message in bytes, headers included (the
	// text is filled to reach it). Defaults to 1024.
	Size int `yaml:"size,omitempty" json:"size,omitempty"`
	// Rate bounds how fast messages are submitted, e.g. 200/s, 30/m or
	// 500/h: the n-th message is submitted no sooner than n/rate after the
	// first, in simulated time under `mailflow run` and `mailflow test`, in
	// wall time under `mailflow load`. Default: as fast as they go.
	Rate string `yaml:"rate,omitempty" json:"rate,omitempty"`
	// Subject of the messages, followed by each one's number. Defaults to
	// "Load test".
	Subject string `yaml:"subject,omitempty" json:"subject,omitempty"`
}
