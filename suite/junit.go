package suite

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML, the common subset CI systems read: testsuites > testsuite >
// testcase > failure.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// WriteJUnit writes the results as one testsuite named "mailflow" with a
// testcase per scenario run; a failed one names its failed expectations.
func WriteJUnit(w io.Writer, results []Result, total time.Duration) error {
	s := junitSuite{Name: "mailflow", Time: seconds(total)}
	for _, r := range results {
		c := junitCase{Name: r.Label(), Classname: classname(r.Case), Time: "0.000"}
		if r.Report != nil {
			c.Time = seconds(r.Report.Wall)
		}
		if !r.Passed() {
			msg, text := failureText(r)
			c.Failure = &junitFailure{Message: msg, Type: "ExpectationFailed", Text: text}
			s.Failures++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Tests: s.Tests, Failures: s.Failures, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func classname(c Case) string {
	if c.File == "" {
		return "builtin"
	}
	return c.File
}

// failureText is a one-line message (the failed expectations by kind) and
// the full details.
func failureText(r Result) (string, string) {
	var b strings.Builder
	WriteFailure(&b, r)
	var kinds []string
	switch {
	case r.Err != nil:
		kinds = append(kinds, "network did not start: "+r.Err.Error())
	case r.Report.PlayErr != nil:
		kinds = append(kinds, r.Report.PlayErr.Error())
	}
	if r.Report != nil {
		for _, x := range r.Report.Failed() {
			kinds = append(kinds, fmt.Sprintf("%s (expect[%d]): expected %s", x.Kind, x.Index, x.Expected))
		}
	}
	if r.Golden != "" {
		kinds = append(kinds, "golden trace differs")
	}
	return strings.Join(kinds, "; "), b.String()
}
