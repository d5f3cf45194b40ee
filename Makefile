# Portée: developer entry points. `make test` needs only Go on a Debian
# machine: scripts/testenv.sh provides PostgreSQL, Meilisearch and Chromium.
GO ?= go
PKGS ?= ./...
TESTFLAGS ?=
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.7.0

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
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	@# staticcheck is fetched by version; offline and without it in the module
	@# cache, say so and go on rather than fail on the network.
	@if $(GO) run $(STATICCHECK) -version >/dev/null 2>&1; then \
		$(GO) run $(STATICCHECK) $(PKGS); \
	else echo "staticcheck unavailable (offline?): not run"; fi
	@if command -v shellcheck >/dev/null; then shellcheck scripts/*.sh .ci/run packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm; \
		(cd packaging/yunohost/scripts && shellcheck -x -s bash install remove upgrade backup restore change_url _common.sh); \
	else echo "shellcheck not installed: shell scripts not checked"; fi

demo:
	$(GO) run ./cmd/portee demo
