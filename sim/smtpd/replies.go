package smtpd

import "github.com/emersion/go-smtp"

// Replies the servers give, named once with the RFC that defines them.
// Enhanced status codes are from RFC 3463.
var (
	// RFC 4954 §6: AUTH is required before MAIL on the submission ports.
	errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0},
		Message: "Authentication required"}
	// RFC 4954 §6: wrong user name or password.
	errBadCredentials = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
		Message: "Authentication credentials invalid"}
	// RFC 4954 §6: the login went through.
	replyAuthOK = &smtp.SMTPError{Code: 235, EnhancedCode: smtp.EnhancedCode{2, 7, 0},
		Message: "Authentication successful"}
	// RFC 3207 §4 and RFC 4954 §4: no password over an unencrypted connection.
	errEncryptionRequired = &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11},
		Message: "Encryption required for requested authentication mechanism"}
	// RFC 5321 §3.6.2 / RFC 3463 §3.8: this server does not relay for strangers.
	errRelayDenied = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Relaying denied: authenticate to send to other domains"}
	// RFC 5321 §4.2.2 / RFC 3463 §3.2: the mailbox does not exist.
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such user here"}
	// RFC 5321 §4.5.3.1.8: the client sent more than the server keeps.
	errTooManyRecipients = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 5, 3},
		Message: "Too many recipients"}
	// RFC 3463 §3.3: the mailbox is full, for now (the sender retries) or
	// for good.
	errMailboxFullTemp = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 2, 2},
		Message: "Mailbox full, try again later"}
	errMailboxFull = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 2, 2},
		Message: "Mailbox full"}
	// RFC 5321 §6.3 and RFC 3463 §3.5: too many hops, a mail loop.
	errLoop = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 4, 6},
		Message: "Routing loop detected"}
	// RFC 3463 §3.8: the content is refused by policy.
	errContent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Message content refused"}
	// RFC 5321 §4.2.2 (553: mailbox name not allowed) with RFC 3463 §3.8:
	// the user may not send as this address.
	errSendAs = &smtp.SMTPError{Code: 553, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "Sender address not allowed for this user"}
	// RFC 3463 §3.8: a closed group.
	errGroupClosed = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
		Message: "This group accepts posts only from its own domain"}
	// RFC 5321 §4.2.3: a transient local failure, e.g. the queue refused.
	errLocalError = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Local error in processing, try again later"}
	// RFC 5321 §3.8 and §4.2.2 (421) with RFC 3463 §3.5 (4.3.2): the
	// server is shutting down; the client keeps the message.
	errClosing = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Service shutting down, try again later"}
	// RFC 5321 §4.2.5: the message is ours now; the event quotes the same
	// reply the DATA command sends.
	replyDataOK = &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0},
		Message: "OK: queued"}
)
