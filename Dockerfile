# syntax=docker/dockerfile:1
# Portée: one static binary, run as `portee node` or `portee directory`.
#   docker build -t portee .
#   docker run --rm portee version

# Build: pure Go (SQLite is modernc.org/sqlite), so CGO is off and the binary
# runs on an image without libc.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -buildid=" -o /portee ./cmd/portee
# The data directory exists in the image, owned by the runtime user, so that a
# fresh named volume mounted there inherits that owner.
RUN mkdir -p /rootfs/var/lib/portee && chmod 0700 /rootfs/var/lib/portee

# Run: no shell, no package manager, a fixed unprivileged user (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /portee /portee
COPY --from=build --chown=65532:65532 /rootfs/var/lib/portee /var/lib/portee
ENV PORTEE_DATA=/var/lib/portee \
    PORTEE_LISTEN=0.0.0.0:8080
WORKDIR /var/lib/portee
VOLUME ["/var/lib/portee"]
EXPOSE 8080
USER 65532:65532
# The image's own health check: `portee healthcheck` asks /healthz, which
# also reports a catalog that cannot be written (no shell in the image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/portee", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/portee"]
CMD ["help"]
