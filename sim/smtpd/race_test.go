//go:build race

package smtpd

const raceEnabled = true
