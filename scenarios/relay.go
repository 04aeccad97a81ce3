package scenarios

import (
	"fmt"
	"net/netip"
	"strings"
)

// The enumerated values of the relay and mailbox settings.
var (
	RelayModes     = []string{"authenticated", "networks", "open"}
	LimitScopes    = []string{"user", "domain"}
	ContentActions = []string{"reject", "spam"}
	PostingModes   = []string{"anyone", "domain"}
)

// relaySettings checks the relay, limit and rule settings of one server.
func (v *validator) relaySettings(p string, srv Server) {
	v.enum(p+".relay", srv.Relay, RelayModes, "relay mode")
	if srv.RelayPort != 0 && !contains([]string{"25", "465", "587"}, fmt.Sprint(srv.RelayPort)) {
		v.at(p+".relay_port", "use 25, 587 or 465", "port %d does not run SMTP", srv.RelayPort)
	}
	if (srv.RelayUsername != "" || srv.RelayPort != 0) && srv.RelayTo == "" {
		v.at(p+".relay_to", "name the smarthost with relay_to", "relay_port and relay_username need relay_to")
	}
	if srv.RelayUsername != "" && srv.RelayPassword == "" {
		v.at(p+".relay_password", "", "relay_username needs relay_password")
	}
	if srv.RelayMechanism != "" && !contains(AuthMechanisms, strings.ToUpper(srv.RelayMechanism)) {
		v.at(p+".relay_mechanism", oneOfHint(srv.RelayMechanism, AuthMechanisms), "unknown mechanism %q", srv.RelayMechanism)
	}
	for j, name := range srv.RelayNetworks {
		np := fmt.Sprintf("%s.relay_networks[%d]", p, j)
		if _, err := netip.ParseAddr(name); err != nil {
			v.knownHost(np, name)
		}
	}
	if len(srv.RelayNetworks) > 0 && srv.Relay != "networks" {
		v.at(p+".relay", "set relay: networks for relay_networks to count", "relay_networks needs relay: networks")
	}
	if l := srv.Limits; l != nil {
		v.enum(p+".limits.per", l.Per, LimitScopes, "limit scope")
		if l.MessagesPerHour < 0 || l.RecipientsPerMessage < 0 {
			v.at(p+".limits", "", "limits cannot be negative")
		}
	}
	if b := srv.Block; b != nil {
		for j, a := range b.Senders {
			v.address(fmt.Sprintf("%s.block.senders[%d]", p, j), a)
		}
		for j, a := range b.Recipients {
			v.address(fmt.Sprintf("%s.block.recipients[%d]", p, j), a)
		}
	}
	for j, c := range srv.Content {
		cp := fmt.Sprintf("%s.content[%d]", p, j)
		v.enum(cp+".action", c.Action, ContentActions, "content action")
		if len(c.Keywords) == 0 {
			v.at(cp+".keywords", "", "a content rule needs at least one keyword")
		}
	}
}

// mailboxSettings checks aliases, identities and filters of the domains.
func (v *validator) mailboxSettings() {
	for i, d := range v.s.Domains {
		for j, a := range d.Aliases {
			ap := fmt.Sprintf("domains[%d].aliases[%d]", i, j)
			addr := strings.ToLower(a.Name + "@" + d.Name)
			if _, clash := v.users[addr]; clash {
				v.at(ap+".name", "an alias needs a name no user has", "%s is already a user", addr)
			}
			if len(a.Members) == 0 {
				v.at(ap, "list the addresses it delivers to", "alias %s has no members", addr)
			}
			for k, m := range a.Members {
				v.address(fmt.Sprintf("%s.members[%d]", ap, k), m)
			}
			v.enum(ap+".posting", a.Posting, PostingModes, "posting mode")
		}
		for j, u := range d.Users {
			up := fmt.Sprintf("domains[%d].users[%d]", i, j)
			for k, id := range u.Identities {
				v.address(fmt.Sprintf("%s.identities[%d].address", up, k), id.Address)
				if id.ReplyTo != "" {
					v.address(fmt.Sprintf("%s.identities[%d].reply_to", up, k), id.ReplyTo)
				}
			}
			for k, f := range u.Filters {
				fp := fmt.Sprintf("%s.filters[%d]", up, k)
				if f.Forward != "" {
					v.address(fp+".forward", f.Forward)
				}
				if f.Label == "" && !f.Star && !f.Archive && f.Forward == "" && !f.Delete {
					v.at(fp, "add label, star, archive, forward or delete", "a filter needs an action")
				}
				v.oneLine(fp+".label", "a label", f.Label)
			}
		}
	}
}

// sendLogin checks a send's login account.
func (v *validator) sendLogin(p string, s *Send) {
	if s.Login != "" {
		v.user(p+".login", s.Login, "the client logs in as a user of a domain above")
	}
}
