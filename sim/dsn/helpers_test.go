package dsn

import (
	"time"
)

var (
	t0      = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	origMsg = []byte("From: Alice <alice@example.test>\r\n" +
		"To: bob@school.test, carol@school.test\r\n" +
		"Subject: Lunch on Friday?\r\n" +
		"Date: Fri, 14 Mar 2025 09:20:00 +0000\r\n" +
		"Message-ID: <m1@example.test>\r\n" +
		"\r\n" +
		"Shall we meet at noon?\r\n" +
		"-- \r\nAlice\r\n")
)

// failedReport is one recipient rejected by the remote server.
func failedReport() Report {
	return Report{
		ReportingMTA: "dns;mail.example.test",
		ArrivalDate:  t0.Add(-6 * time.Minute),
		EnvelopeID:   "QQ314159",
		To:           "alice@example.test",
		Recipients: []Recipient{{
			Original:    "bob@school.test",
			Final:       "bob@school.test",
			Action:      Failed,
			Status:      "5.1.1",
			RemoteMTA:   "dns;mx.school.test",
			Diagnostic:  "smtp; 550 5.1.1 <bob@school.test>: No such user here",
			LastAttempt: t0.Add(-5 * time.Minute),
		}},
		Original:  origMsg,
		MessageID: "dsn-1@mail.example.test",
		Date:      t0,
	}
}

// mixedReport has one failed and one delayed recipient.
func mixedReport() Report {
	r := failedReport()
	r.Recipients = append(r.Recipients, Recipient{
		Final:          "carol@school.test",
		Action:         Delayed,
		Status:         "4.4.1",
		Diagnostic:     "X-Mailflow; connect to mx2.school.test[192.0.2.7]:25: connection refused",
		LastAttempt:    t0.Add(-time.Minute),
		WillRetryUntil: t0.Add(5 * 24 * time.Hour),
	})
	return r
}
