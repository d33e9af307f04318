#!/usr/bin/env bash
# install.sh VERSION [DIR] — installs attachform VERSION (v1.2.3) from its
# release: downloads the archive for this machine's OS and architecture
# and the release's checksums.txt, refuses an archive whose SHA-256 is not
# the one listed (nothing is installed then), and puts the binary in DIR
# (default: $HOME/.local/bin), replacing any attachform there in one rename.
#
# ATTACHFORM_RELEASES_URL, if set, is where releases are downloaded from
# instead of https://github.com/attachform/attachform/releases/download
# (a mirror, or a test's server): BASE/VERSION/FILE. Set, it must be an
# https:// URL (http:// only for 127.0.0.1 or localhost); set but empty is
# an error, not the default.
#
# Used by the GitHub action (action.yml) and the Azure Pipelines template
# (examples/azure-pipelines/install-attachform.yml); it needs bash, curl,
# tar (unzip on Windows) and sha256sum or shasum.
set -euo pipefail

default_base=https://github.com/attachform/attachform/releases/download

die() {
  echo "install.sh: $*" >&2
  exit 1
}

usage="usage: install.sh VERSION [DIR], e.g. install.sh v0.1.0 \"\$HOME/.local/bin\""
if [ $# -lt 1 ] || [ $# -gt 2 ]; then die "$usage"; fi
version=$1
dir=${2:-${HOME:?HOME is not set: name the directory}/.local/bin}

# v1.2.3, v1.2.3-rc.1: the tag of a release. The archives' names carry the
# version without its "v", as GoReleaser writes them.
[[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
  die "\"$version\" is not a release version: give a tag such as v0.1.0 (the releases: https://github.com/attachform/attachform/releases)"
number=${version#v}

if [ -n "${ATTACHFORM_RELEASES_URL+set}" ]; then
  base=$ATTACHFORM_RELEASES_URL
  [ -n "$base" ] || die "ATTACHFORM_RELEASES_URL is set but empty: unset it to download from $default_base, or set it to a mirror's URL"
  [[ $base =~ ^https://[^/?#[:space:]]+(/[^?#[:space:]]*)?$ || $base =~ ^http://(127\.0\.0\.1|localhost)(:[0-9]+)?(/[^?#[:space:]]*)?$ ]] ||
    die "ATTACHFORM_RELEASES_URL is not an https:// URL (http:// only for 127.0.0.1 or localhost), without query or fragment"
else
  base=$default_base
fi
base=${base%/}

case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
  *) die "no release is built for $(uname -s): build from source (go install with a stamped version, see the README)" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no release is built for $(uname -m): build from source (see the README)" ;;
esac
ext=tar.gz exe=attachform
if [ "$os" = windows ]; then
  ext=zip exe=attachform.exe
fi
archive=attachform_${number}_${os}_${arch}.${ext}

command -v curl >/dev/null || die "curl is needed"
if command -v sha256sum >/dev/null; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  die "sha256sum or shasum is needed to check the download"
fi

work=$(mktemp -d)
tmp=
trap 'rm -rf "$work"; if [ -n "$tmp" ]; then rm -f "$tmp"; fi' EXIT

# fetch URL FILE: downloads, giving up on a connection that moves less
# than 1 KiB/s for 60s; prints the HTTP status.
fetch() {
  curl --silent --show-error --location --proto '=https,http' \
    --connect-timeout 30 --speed-limit 1024 --speed-time 60 --max-filesize 268435456 \
    --output "$2" --write-out '%{http_code}' "$1" || true
}

url=$base/$version
status=$(fetch "$url/checksums.txt" "$work/checksums.txt")
case $status in
  200) ;;
  404) die "attachform $version is not released ($url/checksums.txt: not found): see https://github.com/attachform/attachform/releases for the versions" ;;
  000) die "could not reach $url (no answer): check the network or ATTACHFORM_RELEASES_URL" ;;
  *) die "$url/checksums.txt: HTTP $status" ;;
esac

# The one line "SHA256  NAME" (or "SHA256 *NAME") for this archive.
want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/checksums.txt")
[ -n "$want" ] || die "checksums.txt of $version lists no $archive: this OS and architecture may not be released"
[ "$(printf '%s\n' "$want" | wc -l)" -eq 1 ] || die "checksums.txt of $version lists $archive more than once: refusing it"
[[ $want =~ ^[0-9a-f]{64}$ ]] || die "checksums.txt of $version has no SHA-256 for $archive: refusing it"

status=$(fetch "$url/$archive" "$work/$archive")
[ "$status" = 200 ] || die "$url/$archive: HTTP $status"
got=$(sha256 "$work/$archive")
[ "$got" = "$want" ] ||
  die "$archive does not match checksums.txt (SHA-256 $got, listed $want): refusing it, nothing was installed"

mkdir "$work/x"
if [ "$ext" = zip ]; then
  unzip -q "$work/$archive" "$exe" -d "$work/x" || die "$archive could not be unpacked"
else
  tar -xzf "$work/$archive" -C "$work/x" "$exe" || die "$archive could not be unpacked"
fi
if [ ! -f "$work/x/$exe" ] || [ -L "$work/x/$exe" ]; then die "$archive holds no $exe"; fi

# Copy beside the target, then rename over it: a running attachform, or
# one interrupted half-way, never sees half a binary.
mkdir -p "$dir"
tmp=$(mktemp "$dir/.$exe.XXXXXX")
cp "$work/x/$exe" "$tmp"
chmod 755 "$tmp"
mv -f "$tmp" "$dir/$exe"
echo "installed $("$dir/$exe" version) in $dir"
