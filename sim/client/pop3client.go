package client

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
)

// pop3Conn is the client side of RFC 1939, just what a fetch needs.
type pop3Conn struct {
	conn net.Conn
	text *textproto.Conn
}

func newPOP3Conn(c net.Conn) *pop3Conn {
	return &pop3Conn{conn: c, text: textproto.NewConn(c)}
}

func (c *pop3Conn) close() { c.conn.Close() }

// reply reads one status line: "+OK ..." is success, "-ERR ..." an error.
func (c *pop3Conn) reply() (string, error) {
	line, err := c.text.ReadLine()
	if err != nil {
		return "", err
	}
	if rest, ok := strings.CutPrefix(line, "+OK"); ok {
		return strings.TrimSpace(rest), nil
	}
	return "", fmt.Errorf("POP3 server: %s", line)
}

func (c *pop3Conn) cmd(line string) (string, error) {
	if err := c.text.PrintfLine("%s", line); err != nil {
		return "", err
	}
	return c.reply()
}

// retr retrieves message i: a status line, then the dot-terminated message.
func (c *pop3Conn) retr(i int) ([]byte, error) {
	if _, err := c.cmd(fmt.Sprintf("RETR %d", i)); err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(bufio.NewReader(c.text.DotReader()))
	if err != nil {
		return nil, err
	}
	return []byte(strings.ReplaceAll(string(raw), "\n", "\r\n")), nil
}
