package web

import (
	"context"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/mailflow/mailflow/scenarios"
)

// SendRequest is a message to submit as the sender's mail client would.
type SendRequest struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Cc      []string `json:"cc,omitempty"`
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
}

// SendResult says what became of a submitted message.
type SendResult struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Steps []int  `json:"steps"`
	Error string `json:"error,omitempty"`
}

// maxRecipients bounds one API send.
const maxRecipients = 100

// sendTimeout bounds a submission in live mode.
const sendTimeout = time.Minute

func checkAddress(a string) error {
	if strings.ContainsAny(a, "\r\n<>") || len(a) > 254 {
		return fmt.Errorf("%q is not an address", a)
	}
	p, err := mail.ParseAddress(a)
	if err != nil || p.Address != a || p.Name != "" {
		return fmt.Errorf("%q is not a plain address like bob@school.test", a)
	}
	return nil
}

func (s *Server) validSend(req *SendRequest) string {
	if s.net.Topology.User(req.From) == nil {
		return "from must be one of the scenario's users (see /api/hosts): the message is submitted with that user's password"
	}
	if len(req.To) == 0 {
		return "to must list at least one address"
	}
	if len(req.To)+len(req.Cc) > maxRecipients {
		return fmt.Sprintf("at most %d recipients", maxRecipients)
	}
	for _, a := range append(append([]string(nil), req.To...), req.Cc...) {
		if err := checkAddress(a); err != nil {
			return err.Error()
		}
	}
	if strings.ContainsAny(req.Subject, "\r\n") {
		return "subject must be one line"
	}
	return ""
}

// newSendID names a message sent through the API: w1, w2, ..., never an id
// the network already knows.
func (s *Server) newSendID() string {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	for {
		s.sendNext++
		id := fmt.Sprintf("w%d", s.sendNext)
		if _, taken := s.lookup(id); !taken && !s.idx.known(id) {
			return id
		}
	}
}

// send submits the message through the sender's submission server (port
// 587, STARTTLS, AUTH with the user's password): steps 1 and 2 happen on
// the wire, and the rest of the way follows as for any message. In step
// mode the world may be held before step 1, so the answer (202) comes at
// once with the id; otherwise it comes once the server has answered.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req SendRequest
	if !readJSON(w, r, &req) {
		return
	}
	if bad := s.validSend(&req); bad != "" {
		writeError(w, http.StatusBadRequest, bad)
		return
	}
	id := s.newSendID()
	act := &scenarios.Send{ID: id, From: req.From, To: req.To, Cc: req.Cc, Subject: req.Subject, Body: req.Body}
	if s.ctl.gate != nil {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			writeError(w, http.StatusServiceUnavailable, "the web view is stopping")
			return
		}
		s.sends.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.sends.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-s.done:
					cancel()
				case <-ctx.Done():
				}
			}()
			if err := s.net.Submit(ctx, act); err != nil {
				s.cfg.Logger.Warn("send", "msg", id, "err", err)
			}
		}()
		writeJSON(w, http.StatusAccepted, SendResult{ID: id, State: "submitting", Steps: []int{}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), sendTimeout)
	defer cancel()
	if err := s.net.Submit(ctx, act); err != nil {
		writeError(w, http.StatusInternalServerError, "submitting: "+err.Error())
		return
	}
	res := SendResult{ID: id, State: "submitted", Steps: []int{}}
	if m, ok := s.lookup(id); ok {
		res.State, res.Steps, res.Error = m.State, m.Steps, m.Error
	}
	if res.State == "rejected" || res.State == "" {
		writeJSON(w, http.StatusUnprocessableEntity, struct {
			APIError
			SendResult
		}{APIError{http.StatusUnprocessableEntity, "the submission server refused the message: " + res.Error}, res})
		return
	}
	writeJSON(w, http.StatusCreated, res)
}
