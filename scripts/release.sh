#!/usr/bin/env bash
# Builds Portée's release files into dist/ (or $DIST):
#   portee-<version>-linux-<arch>      static binaries (amd64, arm64)
#   portee_<version>_<arch>.deb        Debian packages (nfpm)
#   portee_ynh/                        the YunoHost app, its sources pinned
#   SHA256SUMS
#
# Reproducible: the same commit gives the same bytes. Binaries are built with
# -trimpath, no build id and no VCS stamp; every timestamp inside the packages
# is the commit's date (SOURCE_DATE_EPOCH); gzip writes no name nor time.
#
#   scripts/release.sh                 both architectures
#   ARCHES=amd64 scripts/release.sh    one (the tests build amd64 only)
#
# VERSION overrides the version taken from `git describe`; RELEASE_URL is
# where the binaries will be downloaded from (written into the YunoHost app).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
GO=${GO:-go}
DIST=${DIST:-$ROOT/dist}
ARCHES=${ARCHES:-amd64 arm64}

# release_version turns `git describe` into a version that dpkg and semver
# accept: v1.2.0 → 1.2.0, v1.2.0-3-gabc → 1.2.0-3-gabc, and without any tag
# 0.0.0-<commits>-g<hash>.
release_version() {
	local d
	if d=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
		echo "${d#v}"
	else
		echo "0.0.0-$(git rev-list --count HEAD)-g$(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo -dirty)"
	fi
}

VERSION=${VERSION:-$(release_version)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
RELEASE_URL=${RELEASE_URL:-https://codeberg.org/portee/portee/releases/download/v$VERSION}
export SOURCE_DATE_EPOCH VERSION

mkdir -p "$DIST"
work=$(mktemp -d "${TMPDIR:-/tmp}/portee-release.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "release: portee $VERSION (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH) into $DIST" >&2

# Files that only exist compressed in the package, built once, byte-stable.
stage=$work/stage
mkdir -p "$stage"
gzip -9n <packaging/debian/portee.1 >"$stage/portee.1.gz"
date_rfc=$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" '+%a, %d %b %Y %H:%M:%S +0000')
sed -e "s/@VERSION@/$VERSION/g" -e "s/@DATE@/$date_rfc/g" packaging/debian/changelog |
	gzip -9n >"$stage/changelog.gz"
export PORTEE_STAGE=$stage

for arch in $ARCHES; do
	bin=$DIST/portee-$VERSION-linux-$arch
	echo "release: building $bin" >&2
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$GO" build -trimpath -buildvcs=false \
		-ldflags "-s -w -buildid= -X main.version=$VERSION" -o "$bin" ./cmd/portee
	touch -d "@$SOURCE_DATE_EPOCH" "$bin"

	deb=$DIST/portee_${VERSION}_$arch.deb
	echo "release: packaging $deb" >&2
	PORTEE_BINARY=$bin ARCH=$arch "$GO" tool -modfile=packaging/tools/go.mod nfpm package \
		--config packaging/nfpm.yaml --packager deb --target "$deb" >&2
done

# The YunoHost app, with the release's URLs and checksums in its manifest.
app=$DIST/portee_ynh
rm -rf "$app"
cp -r packaging/yunohost "$app"
manifest=$app/manifest.toml
sed -i -e "s/@VERSION@/$VERSION/g" "$manifest"
for arch in amd64 arm64; do
	sum=0000000000000000000000000000000000000000000000000000000000000000
	if [[ -f $DIST/portee-$VERSION-linux-$arch ]]; then
		sum=$(sha256sum "$DIST/portee-$VERSION-linux-$arch" | cut -d' ' -f1)
	fi
	sed -i -e "s|@URL_${arch^^}@|$RELEASE_URL/portee-$VERSION-linux-$arch|" \
		-e "s/@SHA256_${arch^^}@/$sum/" "$manifest"
done

(
	cd "$DIST"
	# shellcheck disable=SC2046 # file names are ours, without spaces
	sha256sum $(ls portee-"$VERSION"-linux-* portee_"$VERSION"_*.deb 2>/dev/null) >SHA256SUMS
)
echo "release: done" >&2
cat "$DIST/SHA256SUMS"
