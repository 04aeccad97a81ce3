package sim

import (
	"strings"
	"testing"

	"github.com/mailflow/mailflow/scenarios"
	"github.com/mailflow/mailflow/sim/event"
)

// relayBuiltins are the built-in scenarios about relays and mailbox
// features, each with the route decisions (route, text in the detail) its
// events must show besides its own expectations: what the expectations
// cannot see.
var relayBuiltins = map[string][][2]string{
	"smarthost-auth":             nil,
	"smarthost-wrong-password":   nil,
	"relay-down-queued":          nil,
	"open-relay-abused":          {{"relay", "open relay"}},
	"open-relay-closed":          nil,
	"relay-by-network":           {{"relay", "trusted network"}},
	"rate-limited-sender":        nil,
	"blocked-sender":             nil,
	"spam-rule-to-folder":        {{"spam", "lottery"}},
	"alias-expansion":            {{"alias", "bob@school.test carol@school.test dan@school.test"}},
	"group-external-refused":     {{"alias", "teachers@school.test"}},
	"forward-with-srs-bounce":    {{"forward", "SRS0="}, {"srs", "alice@example.test"}},
	"plus-address-filter":        nil,
	"filters-label-star-forward": {{"forward", "SRS0="}},
	"send-as-on-behalf":          nil,
}

func TestRelayBuiltinsPass(t *testing.T) {
	for name, routes := range relayBuiltins {
		t.Run(name, func(t *testing.T) {
			r := runToEnd(t, loadBuiltin(t, name))
			if r.PlayErr != nil {
				t.Fatalf("actions did not finish: %v", r.PlayErr)
			}
			if len(r.Lost) > 0 {
				t.Errorf("lost recipients: %v", r.Lost)
			}
			requirePassed(t, r.Results)
			for _, want := range routes {
				if !hasRoute(r.Events, want[0], want[1]) {
					t.Errorf("no route decision %q with %q in its fields", want[0], want[1])
				}
			}
		})
	}
}

// hasRoute finds a route decision whose fields (rule, targets, recipients,
// rewritten sender) contain want.
func hasRoute(events []event.Event, route, want string) bool {
	for _, e := range events {
		fields := strings.Join([]string{e.Rule, strings.Join(e.Targets, " "), strings.Join(e.To, " "), e.Rewritten}, " | ")
		if e.Kind == event.RouteDecision && e.Route == route && strings.Contains(fields, want) {
			return true
		}
	}
	return false
}

// TestRelayBuiltinsCatchBreakage breaks what each built-in is about and
// checks that one of its expectations notices: the scenarios are
// regression tests of the features, not just demonstrations.
func TestRelayBuiltinsCatchBreakage(t *testing.T) {
	cases := []struct {
		builtin, breakage string
		mutate            func(*testing.T, *scenarios.Scenario)
		fails             string // the kind of expectation that must fail
	}{
		{"smarthost-auth", "the relay password is wrong", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.example.test").RelayPassword = "wrong"
		}, "delivered"},
		{"smarthost-auth", "no smarthost: direct delivery to the MX", func(t *testing.T, s *scenarios.Scenario) {
			sv := mutServer(t, s, "mail.example.test")
			sv.RelayTo, sv.RelayPort, sv.RelayUsername, sv.RelayPassword = "", 0, "", ""
		}, "transcript"},
		{"smarthost-wrong-password", "the password is right after all", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.example.test").RelayPassword = mutUser(t, s, "example@relay.test").Password
		}, "not_delivered"},
		{"relay-down-queued", "the relay never fails", func(t *testing.T, s *scenarios.Scenario) {
			s.Faults = nil
		}, "retries"},
		{"open-relay-abused", "the relay is closed", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.example.test").Relay = "authenticated"
		}, "delivered"},
		{"open-relay-closed", "the relay is open", func(t *testing.T, s *scenarios.Scenario) {
			s.Servers = append(s.Servers, scenarios.Server{Host: "mail.example.test", Relay: "open"})
		}, "not_delivered"},
		{"relay-by-network", "the application host is not trusted", func(t *testing.T, s *scenarios.Scenario) {
			sv := mutServer(t, s, "mail.example.test")
			sv.Relay, sv.RelayNetworks = "authenticated", nil
		}, "delivered"},
		{"rate-limited-sender", "no sending limit", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.example.test").Limits = nil
		}, "reply"},
		{"blocked-sender", "nothing is blocked", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.school.test").Block = nil
		}, "reply"},
		{"spam-rule-to-folder", "no content rules", func(t *testing.T, s *scenarios.Scenario) {
			mutServer(t, s, "mail.school.test").Content = nil
		}, "delivered"},
		{"alias-expansion", "staff@ no longer includes the teachers", func(t *testing.T, s *scenarios.Scenario) {
			mutAlias(t, s, "staff@school.test").Members = []string{"dan@school.test"}
		}, "delivered"},
		{"group-external-refused", "anyone may post to the group", func(t *testing.T, s *scenarios.Scenario) {
			mutAlias(t, s, "teachers@school.test").Posting = "anyone"
		}, "reply"},
		{"forward-with-srs-bounce", "erin's account exists again", func(t *testing.T, s *scenarios.Scenario) {
			d := mutDomain(t, s, "college.test")
			d.Users = append(d.Users, scenarios.User{Name: "erin", Password: "password"})
		}, "bounced"},
		{"forward-with-srs-bounce", "no forward for dan@", func(t *testing.T, s *scenarios.Scenario) {
			d := mutDomain(t, s, "school.test")
			d.Aliases = d.Aliases[1:]
		}, "delivered"},
		{"plus-address-filter", "Bob has no filters", func(t *testing.T, s *scenarios.Scenario) {
			mutUser(t, s, "bob@school.test").Filters = nil
		}, "delivered"},
		{"filters-label-star-forward", "Bob has no filters", func(t *testing.T, s *scenarios.Scenario) {
			mutUser(t, s, "bob@school.test").Filters = nil
		}, "fetched"},
		{"filters-label-star-forward", "no forward rule", func(t *testing.T, s *scenarios.Scenario) {
			u := mutUser(t, s, "bob@school.test")
			u.Filters = append(u.Filters[:2:2], u.Filters[3:]...)
		}, "delivered"},
		{"send-as-on-behalf", "Alice has no identity", func(t *testing.T, s *scenarios.Scenario) {
			mutUser(t, s, "alice@example.test").Identities = nil
		}, "delivered"},
	}
	for _, c := range cases {
		t.Run(c.builtin+"/"+c.breakage, func(t *testing.T) {
			s := loadBuiltin(t, c.builtin)
			c.mutate(t, s)
			r := runToEnd(t, s)
			var failed []string
			for _, x := range r.Failed() {
				failed = append(failed, x.Kind)
				if x.Kind == c.fails {
					return
				}
			}
			t.Fatalf("broken %s: expected a %s expectation to fail; failed: %v", c.builtin, c.fails, failed)
		})
	}
}

func mutServer(t *testing.T, s *scenarios.Scenario, host string) *scenarios.Server {
	t.Helper()
	for i := range s.Servers {
		if s.Servers[i].Host == host {
			return &s.Servers[i]
		}
	}
	t.Fatalf("no server settings for %s", host)
	return nil
}

func mutDomain(t *testing.T, s *scenarios.Scenario, name string) *scenarios.Domain {
	t.Helper()
	for i := range s.Domains {
		if s.Domains[i].Name == name {
			return &s.Domains[i]
		}
	}
	t.Fatalf("no domain %s", name)
	return nil
}

func mutUser(t *testing.T, s *scenarios.Scenario, addr string) *scenarios.User {
	t.Helper()
	local, dom, _ := strings.Cut(addr, "@")
	d := mutDomain(t, s, dom)
	for i := range d.Users {
		if d.Users[i].Name == local {
			return &d.Users[i]
		}
	}
	t.Fatalf("no user %s", addr)
	return nil
}

func mutAlias(t *testing.T, s *scenarios.Scenario, addr string) *scenarios.Alias {
	t.Helper()
	local, dom, _ := strings.Cut(addr, "@")
	d := mutDomain(t, s, dom)
	for i := range d.Aliases {
		if d.Aliases[i].Name == local {
			return &d.Aliases[i]
		}
	}
	t.Fatalf("no alias %s", addr)
	return nil
}
