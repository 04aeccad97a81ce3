package scenarios

import (
	"strings"
)

// UserRef is a user with the address and domain it belongs to.
type UserRef struct {
	Address  string // name@domain
	Name     string // the local part
	Domain   string
	Password string
	FullName string
}

// Users lists every user of every simulated domain, in file order.
func (s *Scenario) Users() []UserRef {
	var out []UserRef
	for _, d := range s.Domains {
		for _, u := range d.Users {
			out = append(out, UserRef{
				Address:  u.Name + "@" + d.Name,
				Name:     u.Name,
				Domain:   d.Name,
				Password: u.Password,
				FullName: u.FullName,
			})
		}
	}
	return out
}

// PosOf returns the position of a field path such as
// "actions[0].send.to[1]", or of its nearest ancestor that has one (a field
// filled by a default has none of its own). It returns the zero Position
// when nothing on the path has one.
func (s *Scenario) PosOf(path string) Position {
	for {
		if p, ok := s.Pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return Position{}
		}
		path = path[:i]
	}
}

// Sends lists the scenario's send actions in order.
func (s *Scenario) Sends() []*Send {
	var out []*Send
	for _, a := range s.Actions {
		if a.Send != nil {
			out = append(out, a.Send)
		}
	}
	return out
}
