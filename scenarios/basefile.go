package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"

	"gopkg.in/yaml.v3"
)

// A scenario may come from anyone (a pull request, a shared lesson), and
// extends makes mailflow read a file it names. So extends reads only what a
// scenario can be: a regular file named .yaml or .yml, of at most
// MaxSourceSize bytes, whose top level is a scenario's. Anything else is
// refused without a word of its content: extends must not become a way to
// print /etc/shadow, nor to hang on a FIFO or read a device forever.

// errNotYAMLName refuses a base file by its name, before touching it.
var errNotYAMLName = errors.New("extends reads only files named .yaml or .yml")

// readBase reads a base file from the operating system's file system.
func readBase(path string) ([]byte, error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".yaml" && ext != ".yml" {
		return nil, errNotYAMLName
	}
	return readRegular(path)
}

// readRegular reads a regular file of at most MaxSourceSize bytes. Its mode
// is checked before the open, since opening a FIFO for reading waits for a
// writer, and again on the opened file, in case the name was swapped in
// between; O_NONBLOCK keeps that open from waiting.
func readRegular(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(info); err != nil {
		return nil, err
	}
	if info.Size() > MaxSourceSize {
		return nil, errTooLarge
	}
	return readAtMost(f)
}

var errTooLarge = fmt.Errorf("the file is too large (more than %d bytes)", MaxSourceSize)

// readLimited reads at most MaxSourceSize bytes of a file the user named
// on the command line: a size from Stat is not enough, since a device such
// as /dev/zero reports none.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAtMost(f)
}

func readAtMost(r io.Reader) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxSourceSize+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxSourceSize {
		return nil, errTooLarge
	}
	return src, nil
}

// checkRegular refuses what is not a regular file, saying what it is.
func checkRegular(info fs.FileInfo) error {
	m := info.Mode()
	what := "not a regular file"
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	}
	return fmt.Errorf("it is %s; extends reads only regular files", what)
}

// scenarioKeys are the top-level fields of a scenario, and YAML's merge key.
var scenarioKeys = func() []string {
	return append(fieldNames(fieldsOf(reflect.TypeFor[Scenario]())), "<<")
}()

// notScenario says why src is not a scenario, in words that quote none of
// it (a line number at most), with a hint; "" when its top level is a
// scenario's: a mapping of scenario fields with domains or extends among
// them. Only then are its own problems reported with their source lines.
func notScenario(src []byte) (why, hint string) {
	const other = "extends takes another scenario file"
	if errs := checkSource(src); len(errs) > 0 {
		return "it is not UTF-8 text of a scenario's size", other
	}
	root, errs := parseYAML(src)
	if len(errs) > 0 {
		if errs[0].Msg == "the file is empty" {
			return "it is empty", other
		}
		return fmt.Sprintf("it is not a YAML mapping of scenario fields (the first problem is on line %d)", errs[0].Line), other
	}
	topology := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Kind != yaml.ScalarNode || !contains(scenarioKeys, k.Value) {
			hint := other
			if k.Kind == yaml.ScalarNode && len(k.Value) < 40 {
				if s := suggest(k.Value, scenarioKeys); s != "" {
					hint = fmt.Sprintf("did you mean %q?", s)
				}
			}
			return fmt.Sprintf("line %d holds a field a scenario does not have", k.Line), hint
		}
		topology = topology || k.Value == "domains" || k.Value == "extends"
	}
	if !topology {
		return "it has neither domains nor extends", other
	}
	return "", ""
}
