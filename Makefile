# Portée: developer entry points. `make test` needs only Go on a Debian
# machine: scripts/testenv.sh provides PostgreSQL, Meilisearch and Chromium.
GO ?= go
PKGS ?= ./...
TESTFLAGS ?=

.PHONY: test build bench fuzz lint demo release

test:
	scripts/testenv.sh $(GO) test -race -count=1 -timeout 30m $(TESTFLAGS) $(PKGS)

build:
	$(GO) build -o bin/portee ./cmd/portee

# Static, reproducible binaries for linux/amd64 and linux/arm64, their Debian
# packages (nfpm), the YunoHost app and SHA256SUMS, into dist/.
release:
	GO=$(GO) scripts/release.sh

# Benchmarks run against durable PostgreSQL (fsync on) so numbers are honest.
bench:
	@if [ -x scripts/bench.sh ]; then \
		scripts/bench.sh; \
	else \
		PORTEE_TESTENV_DURABLE=1 scripts/testenv.sh $(GO) test -run '^$$' -bench . -benchtime 1x $(PKGS); \
	fi

fuzz:
	GO=$(GO) scripts/fuzz.sh $(PKGS)

lint:
	@files=$$(gofmt -l .); \
	if [ -n "$$files" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$files"; exit 1; fi
	$(GO) vet $(PKGS)
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm; \
		(cd packaging/yunohost/scripts && shellcheck -x -s bash install remove upgrade backup restore change_url _common.sh); \
	else echo "shellcheck not installed: shell scripts not checked"; fi

demo:
	$(GO) run ./cmd/portee demo
