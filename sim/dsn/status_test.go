package dsn

import "testing"

func TestStatusFromReply(t *testing.T) {
	tests := []struct {
		code     int
		enhanced string
		want     string
	}{
		{550, "5.1.1", "5.1.1"},
		{550, "", "5.0.0"},
		{554, " 5.7.1 ", "5.7.1"},
		{452, "4.5.3", "4.5.3"},
		{421, "", "4.0.0"},
		{451, "4.4.7", "4.4.7"},
		{250, "2.0.0", "2.0.0"},
		{250, "", "2.0.0"},
		{552, "5.3.4", "5.3.4"},
		{556, "5.1.10", "5.1.10"},
		{550, "4.1.1", "5.1.1"}, // class disagrees with the reply: the reply wins
		{450, "5.2.2", "4.2.2"}, // likewise
		{550, "5.1", "5.0.0"},   // malformed enhanced code is ignored
		{550, "5.1.1000", "5.0.0"},
		{550, "x.y.z", "5.0.0"},
		{354, "", "5.5.0"}, // not a final reply: protocol error
		{0, "", "5.5.0"},
		{-450, "", "5.5.0"},
		{6000, "", "5.5.0"},
	}
	for _, tc := range tests {
		if got := StatusFromReply(tc.code, tc.enhanced); got != tc.want {
			t.Errorf("StatusFromReply(%d, %q) = %q, want %q", tc.code, tc.enhanced, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := map[string]string{
		"5.1.1":    "bad destination mailbox address (the user does not exist)",
		"5.1.2":    "bad destination system address (the domain does not exist or accepts no mail)",
		"5.1.10":   "recipient address has null MX (the domain accepts no mail)",
		"4.4.7":    "delivery time expired",
		"5.4.7":    "delivery time expired",
		"4.4.3":    "directory server failure (DNS lookup failed)",
		"5.4.3":    "directory server failure (DNS lookup failed)",
		"5.4.6":    "routing loop detected",
		"4.2.2":    "mailbox full",
		"5.2.2":    "mailbox full",
		"5.3.4":    "message too big for system",
		"4.5.3":    "too many recipients",
		"5.7.1":    "delivery not authorized, message refused",
		"4.7.5":    "cryptographic failure",
		"5.7.10":   "encryption needed",
		"4.4.1":    "no answer from host",
		"4.4.2":    "bad connection",
		"5.7.27":   "sender address has null MX",
		"2.0.0":    "success",
		"5.0.0":    "permanent failure",
		"4.0.0":    "persistent transient failure",
		"4.0.9":    "persistent transient failure",
		"5.1.99":   "permanent failure, addressing status",
		"4.2.77":   "persistent transient failure, mailbox status",
		"5.3.99":   "permanent failure, mail system status",
		"4.4.99":   "persistent transient failure, network and routing status",
		"5.5.99":   "permanent failure, mail delivery protocol status",
		"5.6.99":   "permanent failure, message content or media status",
		"5.7.999":  "permanent failure, security or policy status",
		"2.9.9":    "success",
		" 5.1.1 ":  "bad destination mailbox address (the user does not exist)",
		"":         "not a valid status code",
		"550":      "not a valid status code",
		"3.1.1":    "not a valid status code",
		"5.1.1.1":  "not a valid status code",
		"5.1.1000": "not a valid status code",
		"55.1.1":   "not a valid status code",
	}
	for in, want := range tests {
		if got := Describe(in); got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidStatusAndPermanent(t *testing.T) {
	for s, want := range map[string][2]bool{
		"5.1.1":   {true, true},
		"4.4.7":   {true, false},
		"2.0.0":   {true, false},
		"5.123.1": {true, true},
		"5.1":     {false, false},
		"5.a.1":   {false, false},
		"5..1":    {false, false},
		"+5.1.1":  {false, false},
	} {
		if got := [2]bool{ValidStatus(s), IsPermanent(s)}; got != want {
			t.Errorf("%q: valid, permanent = %v, want %v", s, got, want)
		}
	}
}

func TestWanted(t *testing.T) {
	tests := []struct {
		notify []string
		a      Action
		want   bool
	}{
		{nil, Failed, true},
		{nil, Delayed, true},
		{nil, Delivered, false},
		{[]string{"NEVER"}, Failed, false},
		{[]string{"never"}, Delayed, false},
		{[]string{"SUCCESS"}, Delivered, true},
		{[]string{"SUCCESS"}, Relayed, true},
		{[]string{"SUCCESS"}, Expanded, true},
		{[]string{"SUCCESS"}, Failed, false},
		{[]string{"SUCCESS,FAILURE"}, Failed, true},
		{[]string{"success", "failure"}, Delayed, false},
		{[]string{"FAILURE"}, Delayed, false},
		{[]string{"DELAY"}, Delayed, true},
		{[]string{"FAILURE"}, Action("bogus"), false},
	}
	for _, tc := range tests {
		if got := Wanted(tc.notify, tc.a); got != tc.want {
			t.Errorf("Wanted(%q, %s) = %v, want %v", tc.notify, tc.a, got, tc.want)
		}
	}
}
