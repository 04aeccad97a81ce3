//go:build unix

package scenarios

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestExtendsHostileFiles points extends at what a hostile scenario would:
// system files, keys, the process environment, a FIFO, a device, a
// directory, a huge file. Each is refused at once, with an error that names
// the reason and quotes none of the file's content.
func TestExtendsHostileFiles(t *testing.T) {
	const secret = "mailflow-probe-s3cr3t"
	t.Setenv("MAILFLOW_HOSTILE_PROBE", secret)
	dir := t.TempDir()
	link := func(name, target string) string {
		if _, err := os.Stat(target); err != nil {
			return ""
		}
		p := filepath.Join(dir, name)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return name
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.yml"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "key.yaml", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG"+secret+"\n-----END PRIVATE KEY-----\n")
	write(t, dir, "settings.yml", "password: "+secret+"\ntoken: x\n")
	write(t, dir, "anchor.yaml", "domains: *"+secret+"\n")
	write(t, dir, "huge.yaml", "# "+strings.Repeat(secret, MaxSourceSize/len(secret)+1)+"\n")

	for _, c := range []struct{ extends, want string }{
		{"/etc/passwd", "refused: extends reads only files named .yaml or .yml"},
		{"/etc/shadow", "refused: extends reads only files named .yaml or .yml"},
		{"/proc/self/environ", "refused: extends reads only files named .yaml or .yml"},
		{link("passwd.yaml", "/etc/passwd"), "is not a mailflow scenario"},
		{link("environ.yaml", "/proc/self/environ"), "is not a mailflow scenario"},
		{link("zero.yaml", "/dev/zero"), "it is a device; extends reads only regular files"},
		{link("null.yaml", "/dev/null"), "it is a device; extends reads only regular files"},
		{"fifo.yaml", "it is a named pipe (FIFO); extends reads only regular files"},
		{"dir.yml", "it is a directory; extends reads only regular files"},
		{"key.yaml", "is not a mailflow scenario: it is not a YAML mapping of scenario fields"},
		{"settings.yml", "is not a mailflow scenario: line 1 holds a field a scenario does not have"},
		{"anchor.yaml", "is not a mailflow scenario: it is not a YAML mapping of scenario fields"},
		{"huge.yaml", "the file is too large"},
	} {
		if c.extends == "" {
			continue // this machine lacks the target
		}
		t.Run(strings.ReplaceAll(c.extends, "/", "_"), func(t *testing.T) {
			child := write(t, dir, "child.yaml", "extends: "+c.extends+"\ndomains: [{name: example.test}]\n")
			done := make(chan error, 1)
			go func() { _, err := Load(child); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("loading a scenario that extends %s did not end within 5s", c.extends)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			var shown bytes.Buffer
			list.Format(&shown)
			if !strings.Contains(shown.String(), c.want) {
				t.Errorf("error lacks %q:\n%s", c.want, shown.String())
			}
			for _, leak := range []string{secret, "root:", "BEGIN PRIVATE", "PATH="} {
				if strings.Contains(shown.String(), leak) {
					t.Errorf("error quotes the file's content (%q):\n%s", leak, shown.String())
				}
			}
		})
	}
}

// A base file that is a scenario keeps its positioned errors with source
// lines: only files that are no scenario are kept quiet.
func TestExtendsScenarioBaseStillQuoted(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "base.yaml", "domains:\n  - name: example.test\n    usres: []\n")
	_, err := Load(write(t, dir, "child.yaml", "extends: base.yaml\n"))
	var list ErrorList
	if !errors.As(err, &list) || list[0].SourceLine != "    usres: []" {
		t.Fatalf("got %v", err)
	}
}
