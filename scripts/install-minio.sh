#!/usr/bin/env bash
# Builds the storage servers that the MinIO backend tests run against, once per machine, into
# .cache/bin, and appends the variables that point the tests at them to an environment file:
#
#   S3GW_TEST_MINIO         MinIO server, built from the pinned commit below.
#   S3GW_TEST_VERSITYGW     versitygw, a real S3 server (posix backend) without MinIO's admin
#                           API, for the gateway's shared-root-credentials mode.
#   S3GW_TEST_MADMIN_CRYPT  test/support/madmin-crypt: madmin-go's own admin payload encryption,
#                           to check the gateway's implementation of that format.
#
# A first run downloads modules and compiles. Building MinIO took 3 min 44 s on a 2-core
# machine whose module cache already had versitygw's and madmin-go's modules (it downloaded
# 208 more). Later runs find the binaries and return at once.
#
# Usage: bash scripts/install-minio.sh ENV_FILE
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# MinIO server version, as a Go module version. The Go module proxy rejects MinIO's release
# tags (RELEASE.2025-10-15T17-29-55Z got "403 Forbidden: This module version is not
# available"), so the pin is the pseudo-version of commit 7aac2a2c5b7c on MinIO's main branch,
# dated 2026-02-12, which `go list -m github.com/minio/minio@latest` returned. The binary
# reports its version as DEVELOPMENT.GOGET, so minio.version below records this pin.
minio_version="v0.0.0-20260212201848-7aac2a2c5b7c"
versitygw_version="v1.8.0"

bin_dir="$repo_root/.cache/bin"
env_file="${1:?usage: install-minio.sh ENV_FILE}"

log() {
  printf 'install-minio: %s\n' "$*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

command -v go >/dev/null 2>&1 || fail "the Go toolchain is missing: install Go 1.24 or later, which builds the test storage servers."
mkdir -p "$bin_dir"
export GOBIN="$bin_dir" GOFLAGS=-mod=mod

# A version file beside each binary records what was built, so a changed pin rebuilds it.
is_built() {
  local name="$1" version="$2"
  [[ -x "$bin_dir/$name" && "$(cat "$bin_dir/$name.version" 2>/dev/null)" == "$version" ]]
}

install_minio() {
  # Left by earlier versions of this script, which tried a release tag and skipped MinIO.
  rm -f "$bin_dir/minio.unavailable"
  if ! is_built minio "$minio_version"; then
    log "building MinIO $minio_version with go install (about 4 minutes on 2 cores)"
    go install "github.com/minio/minio@$minio_version" ||
      fail "go install github.com/minio/minio@$minio_version failed; the MinIO tests need this binary."
    printf '%s\n' "$minio_version" >"$bin_dir/minio.version"
  fi
  printf 'S3GW_TEST_MINIO=%q\n' "$bin_dir/minio" >>"$env_file"
}

install_versitygw() {
  if ! is_built versitygw "$versitygw_version"; then
    log "building versitygw $versitygw_version with go install"
    go install "github.com/versity/versitygw/cmd/versitygw@$versitygw_version"
    printf '%s\n' "$versitygw_version" >"$bin_dir/versitygw.version"
  fi
  printf 'S3GW_TEST_VERSITYGW=%q\n' "$bin_dir/versitygw" >>"$env_file"
}

install_madmin_crypt() {
  local source_dir="$repo_root/test/support/madmin-crypt"
  local version
  version="$(cat "$source_dir"/go.mod "$source_dir"/*.go | sha256sum | cut -c1-16)"
  if ! is_built madmin-crypt "$version"; then
    log "building test/support/madmin-crypt"
    (cd "$source_dir" && go build -o "$bin_dir/madmin-crypt" .)
    printf '%s\n' "$version" >"$bin_dir/madmin-crypt.version"
  fi
  printf 'S3GW_TEST_MADMIN_CRYPT=%q\n' "$bin_dir/madmin-crypt" >>"$env_file"
}

install_minio
install_versitygw
install_madmin_crypt
