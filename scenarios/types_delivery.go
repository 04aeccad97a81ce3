package scenarios

// Delivery is how a host delivers the mail it passes on (steps 4 and 5):
// how many deliveries to one destination at once and how fast, and the
// caches a real MTA keeps. A destination is the domain of the recipients,
// or the relay host when the host sends through one.
type Delivery struct {
	// Concurrency is how many deliveries to one destination may be under
	// way at once (Postfix's default_destination_concurrency_limit).
	// Defaults to 20. `mailflow run` and `mailflow test` deliver one
	// message at a time, so that the trace is the same in every run; the
	// limit shows under `mailflow up` and `mailflow load`, which deliver in
	// parallel.
	Concurrency int `yaml:"concurrency,omitempty" json:"concurrency,omitempty"`
	// Rate bounds deliveries to one destination, e.g. 2/s or 30/m: the host
	// starts one no sooner than 1/rate after the one before, in simulated
	// time (Postfix's default_destination_rate_delay). Messages wait in the
	// queue for their turn. Default: no bound.
	Rate string `yaml:"rate,omitempty" json:"rate,omitempty"`
	// DNSCache keeps the DNS answers the host gets for as long as their TTL
	// says, in simulated time, and takes the MX and addresses of the next
	// message to the same domain from it ("MX from cache"). Defaults to
	// true under `mailflow up` and `mailflow load`, false under `mailflow
	// run` and `mailflow test`, where every lookup is shown.
	DNSCache *bool `yaml:"dns_cache,omitempty" json:"dns_cache,omitempty"`
	// ConnectionCache keeps a connection to a next hop open after a
	// delivery, with TLS verified, and sends the next message to the same
	// host over it after RSET (Postfix's SMTP connection cache). Defaults
	// as dns_cache.
	ConnectionCache *bool `yaml:"connection_cache,omitempty" json:"connection_cache,omitempty"`
	// ConnectionReuse is how many messages one cached connection carries
	// before it is closed (smtp_connection_reuse_count_limit). Defaults to
	// 100.
	ConnectionReuse int `yaml:"connection_reuse,omitempty" json:"connection_reuse,omitempty"`
	// ConnectionIdle is how long a cached connection may wait for the next
	// message, in simulated time, before it is closed
	// (smtp_connection_cache_time_limit), e.g. 2s. Defaults to 2s.
	ConnectionIdle string `yaml:"connection_idle,omitempty" json:"connection_idle,omitempty"`
}
