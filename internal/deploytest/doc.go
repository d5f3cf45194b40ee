// Package deploytest checks the deployment files (docker-compose.yml and the
// Dockerfile) without a Docker engine: its tests parse them and verify what a
// production start relies on. It has no code of its own.
package deploytest
