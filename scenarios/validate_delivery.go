package scenarios

import "fmt"

// MaxDestinationConcurrency bounds delivery.concurrency.
const MaxDestinationConcurrency = 1000

// delivery checks the servers' delivery settings.
func (v *validator) delivery() {
	for i, srv := range v.s.Servers {
		d := srv.Delivery
		if d == nil {
			continue
		}
		p := fmt.Sprintf("servers[%d].delivery", i)
		if d.Concurrency < 0 || d.Concurrency > MaxDestinationConcurrency {
			v.at(p+".concurrency", "", "concurrency %d must be between 1 and %d", d.Concurrency, MaxDestinationConcurrency)
		}
		if d.Rate != "" {
			if _, err := ParseRate(d.Rate); err != nil {
				v.at(p+".rate", "", "%v", err)
			}
		}
		if d.ConnectionReuse < 0 {
			v.at(p+".connection_reuse", "", "connection_reuse %d cannot be negative", d.ConnectionReuse)
		}
		v.duration(p+".connection_idle", d.ConnectionIdle)
		off := d.ConnectionCache != nil && !*d.ConnectionCache
		for _, f := range []string{"connection_reuse", "connection_idle"} {
			if off && v.explicit(p+"."+f) {
				v.at(p+"."+f, "remove it, or set connection_cache: true", "%s has no effect without the connection cache", f)
			}
		}
	}
}
