package smtpd

import (
	"errors"

	"github.com/emersion/go-sasl"
)

// loginServer is the server side of the LOGIN mechanism: not in an RFC but
// spoken by many mail clients (draft-murchison-sasl-login). go-sasl has only
// its client side.
type loginServer struct {
	step     int
	username string
	check    func(username, password string) error
}

func newLoginServer(check func(username, password string) error) sasl.Server {
	return &loginServer{check: check}
}

func (s *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch s.step {
	case 0:
		s.step++
		if len(response) > 0 { // initial response carries the user name
			s.username = string(response)
			s.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		s.username = string(response)
		s.step++
		return []byte("Password:"), false, nil
	case 2:
		s.step++
		return nil, true, s.check(s.username, string(response))
	default:
		return nil, true, errors.New("unexpected LOGIN response")
	}
}
