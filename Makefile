# mailflow — see README.md. Every target works on a fresh clone with Go
# installed; nothing else is needed for build, run and test.

GO      ?= go
BIN     := bin/mailflow
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: all build install uninstall run test test-short fuzz-short bench bench-floor lint fmt clean docs interop interop-deps

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/mailflow

## install: build and copy mailflow into BINDIR: PREFIX/bin when PREFIX is
## given (make install PREFIX=$$HOME/.local), else where `go install` would
## put it, $(go env GOBIN) or $(go env GOPATH)/bin. Warns when BINDIR is
## not on PATH.
PREFIX ?=
BINDIR ?= $(if $(PREFIX),$(PREFIX)/bin,$(or $(shell $(GO) env GOBIN),$(shell $(GO) env GOPATH)/bin))
install: build
	mkdir -p "$(BINDIR)"
	cp $(BIN) "$(BINDIR)/mailflow.new" && mv -f "$(BINDIR)/mailflow.new" "$(BINDIR)/mailflow"
	@echo "installed $(BINDIR)/mailflow"
	@case ":$$PATH:" in *":$(BINDIR):"*) ;; \
	*) echo "note: $(BINDIR) is not on your PATH; add it, e.g. in ~/.bashrc:"; \
	   echo "  export PATH=\"$(BINDIR):\$$PATH\"" ;; esac

## uninstall: remove what install copied (give the same PREFIX)
uninstall:
	rm -f "$(BINDIR)/mailflow"

## docs: regenerate the sample outputs and pictures in README.md and docs/
## (the parts marked <!-- make docs: COMMAND -->) and the scenario format
## reference; make test fails when they drift from the program.
docs:
	$(GO) generate ./scenarios
	$(GO) test -count=1 -run '^TestDocsGenerated$$' ./cmd/mailflow -update

## run: build and narrate the built-in cross-domain scenario
run: build
	./$(BIN) run cross-domain

## test: vet, every test with the race detector, then a short fuzz of each parser
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 5m ./...
	$(MAKE) fuzz-short

## fuzz-short: a few thousand inputs for each fuzz target (no panic on
## hostile input). Counted in inputs, not seconds, so that a loaded CI
## machine runs the same amount of fuzzing and never hits a deadline.
FUZZTIME ?= 2000x
FUZZFLAGS = -fuzztime $(FUZZTIME) -fuzzminimizetime 10x
fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./scenarios
	$(GO) test -run '^$$' -fuzz '^FuzzSession$$' $(FUZZFLAGS) ./sim/pop3d
	$(GO) test -run '^$$' -fuzz '^FuzzSession$$' $(FUZZFLAGS) ./sim/smtpd
	$(GO) test -run '^$$' -fuzz '^FuzzHandle$$' $(FUZZFLAGS) ./sim/dnsd
	$(GO) test -run '^$$' -fuzz '^FuzzSelectedCommands$$' $(FUZZFLAGS) ./sim/imapd
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' $(FUZZFLAGS) ./sim/dsn
	$(GO) test -run '^$$' -fuzz '^FuzzBuild$$' $(FUZZFLAGS) ./viz/plot/flow
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' $(FUZZFLAGS) ./sim/mailauth
	$(GO) test -run '^$$' -fuzz '^FuzzSign$$' $(FUZZFLAGS) ./sim/mailauth

test-short:
	$(GO) test -count=1 ./...

## interop: real clients (dig, swaks, curl, Python, msmtp, fetchmail,
## mbsync) against `mailflow up`
interop: build
	bash interop/run.sh

## interop-deps: install the interop clients and the browser the report test
## opens (Debian/Ubuntu, as root)
interop-deps:
	@missing=""; for t in dig:bind9-dnsutils swaks:swaks curl:curl python3:python3 msmtp:msmtp fetchmail:fetchmail mbsync:isync chromium:chromium tmux:tmux; do \
		command -v $${t%%:*} >/dev/null || missing="$$missing $${t#*:}"; done; \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

## bench: the benchmarks recorded in docs/performance.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt

## bench-floor: mailflow against the bare two-hop floor, 2000 messages a run
bench-floor:
	$(GO) test -run '^$$' -bench VersusFloor -benchtime 2000x -count 6 ./bench | tee floor.txt

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin bench.txt floor.txt
