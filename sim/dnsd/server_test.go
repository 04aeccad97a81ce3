package dnsd

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// zoneText is the test zone, written as dig prints records.
var zoneText = []string{
	"school.test. 300 IN MX 10 mail.school.test.",
	"school.test. 300 IN MX 20 backup.school.test.",
	`school.test. 300 IN TXT "v=spf1 mx -all"`,
	"mail.school.test. 300 IN A 127.0.0.10",
	"mail.school.test. 300 IN AAAA fd00::10",
	"backup.school.test. 300 IN A 127.0.0.11",
	"www.school.test. 300 IN CNAME mail.school.test.",
	"ext.school.test. 300 IN CNAME mx.elsewhere.example.",
	"dangling.school.test. 300 IN CNAME gone.school.test.",
	"loop1.school.test. 300 IN CNAME loop2.school.test.",
	"loop2.school.test. 300 IN CNAME loop1.school.test.",
	"cross.school.test. 300 IN CNAME mx.other.test.",
	"a.b.deep.school.test. 300 IN A 127.0.0.12",
	"other.test. 3600 IN SOA ns.other.test. admin.other.test. 7 7200 600 86400 60",
	"other.test. 3600 IN NS ns.other.test.",
	"other.test. 300 IN MX 5 mail.school.test.",
	"mx.other.test. 300 IN A 127.0.0.20",
}

const (
	schoolSOA = "school.test. 300 IN SOA ns1.school.test. hostmaster.school.test. 1 3600 900 604800 300"
	otherSOA  = "other.test. 60 IN SOA ns.other.test. admin.other.test. 7 7200 600 86400 60" // TTL capped at minimum
)

func mustRRs(t testing.TB, lines []string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		rr, err := dns.NewRR(l)
		if err != nil {
			t.Fatalf("bad test record %q: %v", l, err)
		}
		out = append(out, rr)
	}
	return out
}

// start runs a server with the test zones; fill in cfg fields to change it.
func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Zones == nil {
		cfg.Zones = []string{"school.test", "other.test."}
		cfg.Records = mustRRs(t, zoneText)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// ask sends one query with a real miekg/dns client over proto ("udp"/"tcp").
func ask(t *testing.T, s *Server, proto, name string, qtype uint16, edns bool) (*dns.Msg, netip.AddrPort, error) {
	t.Helper()
	c := &dns.Client{Net: proto, Timeout: 2 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = false
	if edns {
		m.SetEdns0(4096, false)
	}
	conn, err := c.Dial(s.Addr().String())
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	defer conn.Close()
	local := addrPort(conn.LocalAddr())
	r, _, err := c.ExchangeWithConn(m, conn)
	return r, local, err
}

func lines(rrs []dns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT {
			out = append(out, rrLines([]dns.RR{rr})...)
		}
	}
	return out
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name      string
		qname     string
		qtype     uint16
		rcode     int
		answer    []string
		authority []string
		extra     []string
		aa        bool
	}{
		{name: "MX with preferences and glue", qname: "school.test.", qtype: dns.TypeMX, aa: true,
			answer: zoneText[0:2],
			extra:  []string{"mail.school.test. 300 IN A 127.0.0.10", "mail.school.test. 300 IN AAAA fd00::10", "backup.school.test. 300 IN A 127.0.0.11"}},
		{name: "MX into another zone", qname: "other.test.", qtype: dns.TypeMX, aa: true,
			answer: []string{"other.test. 300 IN MX 5 mail.school.test."},
			extra:  []string{"mail.school.test. 300 IN A 127.0.0.10", "mail.school.test. 300 IN AAAA fd00::10"}},
		{name: "A", qname: "mail.school.test.", qtype: dns.TypeA, aa: true, answer: zoneText[3:4]},
		{name: "AAAA", qname: "mail.school.test.", qtype: dns.TypeAAAA, aa: true, answer: zoneText[4:5]},
		{name: "TXT", qname: "school.test.", qtype: dns.TypeTXT, aa: true, answer: zoneText[2:3]},
		{name: "synthesized NS and its address", qname: "school.test.", qtype: dns.TypeNS, aa: true,
			answer: []string{"school.test. 300 IN NS ns1.school.test."},
			extra:  []string{"ns1.school.test. 300 IN A 127.0.0.1"}},
		{name: "synthesized SOA", qname: "school.test.", qtype: dns.TypeSOA, aa: true, answer: []string{schoolSOA}},
		{name: "configured NS", qname: "other.test.", qtype: dns.TypeNS, aa: true, answer: []string{"other.test. 3600 IN NS ns.other.test."}},
		{name: "configured SOA", qname: "other.test.", qtype: dns.TypeSOA, aa: true,
			answer: []string{"other.test. 3600 IN SOA ns.other.test. admin.other.test. 7 7200 600 86400 60"}},
		{name: "NODATA", qname: "backup.school.test.", qtype: dns.TypeAAAA, aa: true, authority: []string{schoolSOA}},
		{name: "NODATA capped TTL", qname: "mx.other.test.", qtype: dns.TypeMX, aa: true, authority: []string{otherSOA}},
		{name: "empty non-terminal is NODATA", qname: "b.deep.school.test.", qtype: dns.TypeA, aa: true, authority: []string{schoolSOA}},
		{name: "NXDOMAIN", qname: "nobody.school.test.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError, authority: []string{schoolSOA}},
		{name: "NXDOMAIN other zone", qname: "x.other.test.", qtype: dns.TypeMX, aa: true, rcode: dns.RcodeNameError, authority: []string{otherSOA}},
		{name: "REFUSED outside zones", qname: "example.com.", qtype: dns.TypeA, rcode: dns.RcodeRefused},
		{name: "REFUSED parent of zone", qname: "test.", qtype: dns.TypeNS, rcode: dns.RcodeRefused},
		{name: "REFUSED zone transfer", qname: "school.test.", qtype: dns.TypeAXFR, rcode: dns.RcodeRefused},
		{name: "CNAME chased", qname: "www.school.test.", qtype: dns.TypeA, aa: true,
			answer: []string{zoneText[6], zoneText[3]}},
		{name: "CNAME asked for itself", qname: "www.school.test.", qtype: dns.TypeCNAME, aa: true, answer: zoneText[6:7]},
		{name: "CNAME across our zones", qname: "cross.school.test.", qtype: dns.TypeA, aa: true,
			answer: []string{zoneText[11], "mx.other.test. 300 IN A 127.0.0.20"}},
		{name: "CNAME leaving our zones", qname: "ext.school.test.", qtype: dns.TypeA, aa: true, answer: zoneText[7:8]},
		{name: "CNAME to nothing", qname: "dangling.school.test.", qtype: dns.TypeA, aa: true, rcode: dns.RcodeNameError,
			answer: zoneText[8:9], authority: []string{schoolSOA}},
		{name: "CNAME to NODATA", qname: "www.school.test.", qtype: dns.TypeTXT, aa: true,
			answer: zoneText[6:7], authority: []string{schoolSOA}},
		{name: "CNAME loop stops", qname: "loop1.school.test.", qtype: dns.TypeA, aa: true, answer: zoneText[9:11]},
		{name: "case-insensitive, question's case kept", qname: "MAIL.School.TEST.", qtype: dns.TypeA, aa: true,
			answer: []string{"MAIL.School.TEST. 300 IN A 127.0.0.10"}},
		{name: "case-insensitive MX", qname: "SCHOOL.TEST.", qtype: dns.TypeMX, aa: true,
			answer: []string{"SCHOOL.TEST. 300 IN MX 10 mail.school.test.", "SCHOOL.TEST. 300 IN MX 20 backup.school.test."},
			extra:  []string{"mail.school.test. 300 IN A 127.0.0.10", "mail.school.test. 300 IN AAAA fd00::10", "backup.school.test. 300 IN A 127.0.0.11"}},
		{name: "ANY", qname: "mail.school.test.", qtype: dns.TypeANY, aa: true, answer: zoneText[3:5]},
	}
	s := start(t, Config{})
	for _, proto := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				r, _, err := ask(t, s, proto, tt.qname, tt.qtype, true)
				if err != nil {
					t.Fatalf("exchange: %v", err)
				}
				if r.Rcode != tt.rcode {
					t.Errorf("rcode %s, want %s", rcodeName(r.Rcode), rcodeName(tt.rcode))
				}
				if r.Authoritative != tt.aa {
					t.Errorf("AA=%v, want %v", r.Authoritative, tt.aa)
				}
				if r.Truncated || r.RecursionAvailable {
					t.Errorf("TC=%v RA=%v", r.Truncated, r.RecursionAvailable)
				}
				check(t, "answer", lines(r.Answer), tt.answer)
				check(t, "authority", lines(r.Ns), tt.authority)
				check(t, "additional", lines(r.Extra), tt.extra)
				if r.IsEdns0() == nil {
					t.Error("EDNS0 query answered without OPT")
				}
			})
		}
	}
}

func check(t *testing.T, section string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", section, got, want)
	}
}

func TestObserve(t *testing.T) {
	seen := make(chan Exchange, 4)
	s := start(t, Config{Observe: func(x Exchange) { seen <- x }})
	for _, proto := range []string{"udp", "tcp"} {
		_, local, err := ask(t, s, proto, "School.Test.", dns.TypeMX, false)
		if err != nil {
			t.Fatal(err)
		}
		x := <-seen
		if x.Proto != proto || x.Client != local {
			t.Errorf("exchange from %s/%s, want %s/%s", x.Client, x.Proto, local, proto)
		}
		if got := x.QuestionText(); got != "School.Test. IN MX" {
			t.Errorf("QuestionText %q", got)
		}
		if x.RcodeName() != "NOERROR" || x.Fault != "" || x.Dropped || x.Truncated {
			t.Errorf("exchange %+v", x)
		}
		check(t, "AnswerLines", x.AnswerLines(), []string{
			"School.Test. 300 IN MX 10 mail.school.test.", "School.Test. 300 IN MX 20 backup.school.test."})
		if len(x.Additional) != 3 {
			t.Errorf("additional %v", x.Additional)
		}

		if _, _, err := ask(t, s, proto, "nobody.school.test.", dns.TypeA, false); err != nil {
			t.Fatal(err)
		}
		x = <-seen
		if x.RcodeName() != "NXDOMAIN" || len(x.AnswerLines()) != 0 || len(x.AuthorityLines()) != 1 {
			t.Errorf("NXDOMAIN exchange %+v", x)
		}
	}
}

func TestFaults(t *testing.T) {
	faults := map[string]*Fault{
		"school.test.":        {Rcode: dns.RcodeServerFailure},
		"mail.school.test.":   {Rcode: dns.RcodeNameError},
		"backup.school.test.": {NoAnswer: true},
		"www.school.test.":    {Drop: true},
		"example.com.":        {Rcode: dns.RcodeServerFailure}, // faults apply outside our zones too
		"mx.other.test.":      {},                              // a zero fault is no fault
	}
	seen := make(chan Exchange, 1)
	s := start(t, Config{
		Observe: func(x Exchange) { seen <- x },
		Faults:  func(q dns.Question) *Fault { return faults[dns.CanonicalName(q.Name)] },
	})
	tests := []struct {
		qname, rcodeName, fault string
		answers                 int
	}{
		{"school.test.", "SERVFAIL", "forced SERVFAIL", 0},
		{"mail.school.test.", "NXDOMAIN", "forced NXDOMAIN", 0},
		{"backup.school.test.", "NOERROR", "forced empty answer", 0},
		{"example.com.", "SERVFAIL", "forced SERVFAIL", 0},
		{"mx.other.test.", "NOERROR", "", 1},
	}
	for _, proto := range []string{"udp", "tcp"} {
		for _, tt := range tests {
			r, _, err := ask(t, s, proto, tt.qname, dns.TypeA, false)
			if err != nil {
				t.Fatalf("%s %s: %v", proto, tt.qname, err)
			}
			if rcodeName(r.Rcode) != tt.rcodeName || len(r.Answer) != tt.answers || len(r.Ns) != 0 {
				t.Errorf("%s %s: got %s with %d answers, %d authority", proto, tt.qname, rcodeName(r.Rcode), len(r.Answer), len(r.Ns))
			}
			x := <-seen
			if x.RcodeName() != tt.rcodeName || x.Fault != tt.fault {
				t.Errorf("%s %s: observed %s fault %q", proto, tt.qname, x.RcodeName(), x.Fault)
			}
		}

		// Drop: the client hears nothing and times out; the server still reports.
		c := &dns.Client{Net: proto, Timeout: 200 * time.Millisecond}
		m := new(dns.Msg).SetQuestion("www.school.test.", dns.TypeA)
		if r, _, err := c.Exchange(m, s.Addr().String()); err == nil {
			t.Errorf("%s: dropped query got a reply: %v", proto, r)
		} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Errorf("%s: dropped query: %v, want a timeout", proto, err)
		}
		x := <-seen
		if !x.Dropped || x.RcodeName() != "NO REPLY" || x.Fault != "dropped: no reply sent" {
			t.Errorf("%s: dropped exchange %+v", proto, x)
		}
	}
}

func TestTruncation(t *testing.T) {
	records := mustRRs(t, zoneText)
	for i := range 20 {
		rr, err := dns.NewRR("big.school.test. 300 IN TXT \"" + strings.Repeat(string(rune('a'+i)), 60) + "\"")
		if err != nil {
			t.Fatal(err)
		}
		records = append(records, rr)
	}
	s := start(t, Config{Zones: []string{"school.test.", "other.test."}, Records: records})

	r, _, err := ask(t, s, "udp", "big.school.test.", dns.TypeTXT, false)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated || len(r.Answer) >= 20 {
		t.Errorf("UDP without EDNS0: TC=%v with %d answers, want TC and fewer than 20", r.Truncated, len(r.Answer))
	}
	r.Compress = true // as sent: Truncate turns on compression
	if packed, _ := r.Pack(); len(packed) > dns.MinMsgSize {
		t.Errorf("UDP reply is %d bytes, over 512", len(packed))
	}
	for _, tc := range []struct {
		proto string
		edns  bool
	}{{"udp", true}, {"tcp", false}} {
		r, _, err := ask(t, s, tc.proto, "big.school.test.", dns.TypeTXT, tc.edns)
		if err != nil {
			t.Fatal(err)
		}
		if r.Truncated || len(r.Answer) != 20 {
			t.Errorf("%s edns=%v: TC=%v with %d answers, want all 20", tc.proto, tc.edns, r.Truncated, len(r.Answer))
		}
	}
}

// Hostile bytes over both transports must leave the server answering.
func TestMalformedPackets(t *testing.T) {
	s := start(t, Config{})
	junk := [][]byte{
		{},
		{0x12},
		{0x12, 0x34, 0x01, 0x00, 0x00, 0x01}, // header cut short
		{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1}, // compression pointer to itself
		[]byte(strings.Repeat("\xff", 600)),
	}
	uc, err := net.Dial("udp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	tc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	for _, j := range junk {
		if _, err := uc.Write(j); err != nil {
			t.Fatal(err)
		}
		// TCP: a length prefix then the junk; the server may close on us.
		_, _ = tc.Write(append([]byte{byte(len(j) >> 8), byte(len(j))}, j...))
	}
	for _, proto := range []string{"udp", "tcp"} {
		if _, _, err := ask(t, s, proto, "school.test.", dns.TypeMX, false); err != nil {
			t.Errorf("%s after junk: %v", proto, err)
		}
	}
}

// Half-sent queries fill every slot; normal TCP queries still get
// answers at once, each shedding one of the half-sent connections.
func TestHalfSentTCPQueriesCannotLockOut(t *testing.T) {
	s := start(t, Config{})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range maxTCPConns {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if _, err := c.Write([]byte{0, 100, 0xab, 0xcd}); err != nil { // 100 octets announced, 2 sent
			t.Fatal(err)
		}
	}
	began := time.Now()
	for i := range 5 {
		if _, _, err := ask(t, s, "tcp", "school.test.", dns.TypeMX, false); err != nil {
			t.Fatalf("normal query %d with %d half-sent connections: %v", i, maxTCPConns, err)
		}
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("five queries took %v", d)
	}
	// Some half-sent connection was shed: its client reads EOF.
	shed := 0
	for _, c := range held {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			shed++
		}
	}
	if shed == 0 {
		t.Fatal("no half-sent connection was shed")
	}
}

// A client that was answered and keeps its connection open is shed only
// after the ones that sent nothing.
func TestTCPSheddingPrefersSilentConnections(t *testing.T) {
	s := start(t, Config{})
	client := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	kept, err := client.Dial(s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	if _, _, err := client.ExchangeWithConn(new(dns.Msg).SetQuestion("school.test.", dns.TypeMX), kept); err != nil {
		t.Fatal(err)
	}
	var silent []net.Conn
	defer func() {
		for _, c := range silent {
			c.Close()
		}
	}()
	for range maxTCPConns - 1 {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	for range 3 {
		if _, _, err := ask(t, s, "tcp", "school.test.", dns.TypeMX, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := client.ExchangeWithConn(new(dns.Msg).SetQuestion("school.test.", dns.TypeMX), kept); err != nil {
		t.Fatalf("the answered connection was shed before silent ones: %v", err)
	}
}

// Close must end every goroutine, even with an idle TCP client still connected.
func TestCloseEndsGoroutines(t *testing.T) {
	s, err := Start(Config{Zones: []string{"school.test."}, Records: mustRRs(t, zoneText[:6])})
	if err != nil {
		t.Fatal(err)
	}
	c := &dns.Client{Net: "tcp", Timeout: 2 * time.Second}
	conn, err := c.Dial(s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, _, err := c.ExchangeWithConn(new(dns.Msg).SetQuestion("school.test.", dns.TypeMX), conn); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ask(t, s, "udp", "school.test.", dns.TypeMX, false); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	goleak.VerifyNone(t)
}

func TestStartErrors(t *testing.T) {
	a := func(line string) []dns.RR { return mustRRs(t, []string{line}) }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no zones", Config{}, "no zones"},
		{"bad zone", Config{Zones: []string{"bad..name"}}, "not a domain name"},
		{"outside", Config{Zones: []string{"school.test."}, Records: a("mail.other.test. 300 IN A 127.0.0.1")}, "outside every zone"},
		{"nil record", Config{Zones: []string{"school.test."}, Records: []dns.RR{nil}}, "nil"},
		{"A without address", Config{Zones: []string{"school.test."},
			Records: []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: "x.school.test.", Rrtype: dns.TypeA, Class: dns.ClassINET}}}}, "IPv4"},
		{"two SOAs", Config{Zones: []string{"school.test."}, Records: mustRRs(t, []string{
			"school.test. 300 IN SOA a.school.test. b.school.test. 1 2 3 4 5",
			"school.test. 300 IN SOA c.school.test. d.school.test. 1 2 3 4 5"})}, "more than one SOA"},
		{"public address", Config{Addr: "0.0.0.0:0", Zones: []string{"school.test."}}, "loopback"},
		{"bad address", Config{Addr: "nonsense", Zones: []string{"school.test."}}, "address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Start(tt.cfg)
			if err == nil {
				s.Close()
				t.Fatalf("Start succeeded, want error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// Records built in Go without type, class or final dots are completed.
func TestRecordsCompleted(t *testing.T) {
	s := start(t, Config{
		Addr:  "localhost:0",
		Zones: []string{"school.test"},
		Records: []dns.RR{
			&dns.MX{Hdr: dns.RR_Header{Name: "School.test", Ttl: 60}, Preference: 10, Mx: "mail.school.test"},
			&dns.A{Hdr: dns.RR_Header{Name: "mail.school.test", Ttl: 60}, A: net.IPv4(127, 0, 0, 10)},
		},
	})
	if !s.Addr().Addr().IsLoopback() || s.Addr().Port() == 0 {
		t.Fatalf("Addr %v", s.Addr())
	}
	r, _, err := ask(t, s, "udp", "school.test.", dns.TypeMX, false)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "answer", lines(r.Answer), []string{"school.test. 60 IN MX 10 mail.school.test."})
	check(t, "additional", lines(r.Extra), []string{"mail.school.test. 60 IN A 127.0.0.10"})
}

func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed")
	}
	s := start(t, Config{})
	for _, proto := range []string{"+notcp", "+tcp"} {
		out, err := exec.Command(dig, "@"+s.Addr().Addr().String(), "-p", strconv.Itoa(int(s.Addr().Port())),
			"school.test", "MX", "+short", "+time=2", "+tries=1", proto).CombinedOutput()
		if err != nil {
			t.Fatalf("dig %s: %v\n%s", proto, err, out)
		}
		if got, want := strings.TrimSpace(string(out)), "10 mail.school.test.\n20 backup.school.test."; got != want {
			t.Errorf("dig %s +short:\n%s\nwant\n%s", proto, got, want)
		}
	}
}
