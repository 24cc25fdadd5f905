#!/usr/bin/env bash
# Installs what the test suite runs against: the npm packages (Bun among them), Debian's
# AWS CLI v2, s3cmd, rclone, restic, Chromium and PostgreSQL, and a Python virtual
# environment with boto3 and AWS CLI v1.
# Writes the environment variables that the tests read to .cache/test-peers.env, which
# scripts/test.sh loads. Installs only what is missing, so a repeated run does no network
# access and finishes in about a second.
#
# Usage: bash scripts/install-test-peers.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

cache_dir="$repo_root/.cache"
venv_dir="$cache_dir/venv"
env_file="$cache_dir/test-peers.env"

# Debian package and a path that exists once it is installed. The tests run awscli by this
# absolute path because a pip AWS CLI v1 can come earlier on PATH, and they need Debian's v2.
declare -A apt_package_files=(
  [awscli]=/usr/bin/aws
  [chromium]=/usr/bin/chromium
  [postgresql]=/usr/lib/postgresql
  [s3cmd]=/usr/bin/s3cmd
  [rclone]=/usr/bin/rclone
  [restic]=/usr/bin/restic
  # The OpenID provider tests make their TLS certificate authority with it.
  [openssl]=/usr/bin/openssl
  # Chromium only recommends this font, and --no-install-recommends below skips it.
  [fonts-liberation]=/usr/share/fonts/truetype/liberation
)

# Distribution names on PyPI, installed at their current release into the venv. The
# awscli distribution is AWS CLI v1, and the tests run it by its path in the venv.
python_packages=(boto3 awscli)

# Python that creates the venv. On the project's machines, python3 on PATH is pyenv's.
python_for_venv="${S3GW_TEST_VENV_PYTHON:-python3}"

log() {
  printf 'install-test-peers: %s\n' "$*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

is_apt_package_installed() {
  local status
  status="$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)"
  [[ "$status" == "installed" ]]
}

install_apt_packages() {
  local missing=()
  local package
  for package in "${!apt_package_files[@]}"; do
    if ! is_apt_package_installed "$package"; then
      missing+=("$package")
    fi
  done

  if ((${#missing[@]} > 0)); then
    local install_command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
    if [[ "$(id -u)" != "0" ]]; then
      fail "missing Debian packages: ${missing[*]}. Install them as root with: $install_command"
    fi

    log "installing Debian packages: ${missing[*]}"
    # apt-get starts PostgreSQL after installing it unless /usr/sbin/policy-rc.d forbids
    # it, as it does in Debian's container images. Tests start their own clusters.
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi

  for package in "${!apt_package_files[@]}"; do
    if [[ ! -e "${apt_package_files[$package]}" ]]; then
      fail "package $package is installed, but ${apt_package_files[$package]} is missing. Reinstall it with: apt-get install --reinstall -y $package"
    fi
  done
}

are_python_packages_installed() {
  [[ -x "$venv_dir/bin/python" ]] || return 1
  # importlib.metadata raises PackageNotFoundError for a distribution that is not installed.
  "$venv_dir/bin/python" -c '
import importlib.metadata
import sys

for name in sys.argv[1:]:
    importlib.metadata.version(name)
' "${python_packages[@]}" >/dev/null 2>&1
}

install_python_venv() {
  if are_python_packages_installed; then
    return
  fi

  log "creating the Python virtual environment $venv_dir with: ${python_packages[*]}"
  mkdir -p "$cache_dir"
  # --clear rebuilds a venv whose interpreter is gone, for example after a pyenv upgrade.
  "$python_for_venv" -m venv --clear "$venv_dir" ||
    fail "$python_for_venv -m venv failed. Set S3GW_TEST_VENV_PYTHON to a Python 3 that has the venv module, or install python3-venv."
  PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
    "$venv_dir/bin/python" -m pip install -q --upgrade "${python_packages[@]}"

  are_python_packages_installed ||
    fail "the virtual environment $venv_dir still lacks one of: ${python_packages[*]}"
}

install_npm_packages() {
  # npm writes node_modules/.package-lock.json at the end of each install, so it is older
  # than package-lock.json only when the lock file changed after the last install.
  local installed_lock="node_modules/.package-lock.json"
  if [[ -f "$installed_lock" && ! package-lock.json -nt "$installed_lock" ]]; then
    return
  fi

  log "running npm ci because node_modules is missing or older than package-lock.json"
  npm ci --no-audit --no-fund
}

check_bun() {
  local bun="$repo_root/node_modules/.bin/bun"
  if ! "$bun" --version >/dev/null 2>&1; then
    fail "$bun does not run. The npm package bun installs it in a postinstall step: rerun npm ci without --ignore-scripts."
  fi
}

write_env_file() {
  mkdir -p "$cache_dir"
  # %q quotes each value, so the file stays valid shell when a path contains spaces.
  {
    printf 'S3GW_TEST_AWS_CLI_V2=%q\n' "${apt_package_files[awscli]}"
    printf 'S3GW_TEST_CHROMIUM=%q\n' "${apt_package_files[chromium]}"
    printf 'S3GW_TEST_PYTHON=%q\n' "$venv_dir/bin/python"
    printf 'S3GW_TEST_AWS_CLI_V1=%q\n' "$venv_dir/bin/aws"
    printf 'S3GW_TEST_S3CMD=%q\n' "${apt_package_files[s3cmd]}"
    printf 'S3GW_TEST_RCLONE=%q\n' "${apt_package_files[rclone]}"
    printf 'S3GW_TEST_RESTIC=%q\n' "${apt_package_files[restic]}"
  } >"$env_file"
}

install_npm_packages
check_bun
install_apt_packages
install_python_venv
write_env_file
# MinIO, versitygw and madmin-crypt, for the storage backend tests; appends to the env file.
bash "$repo_root/scripts/install-minio.sh" "$env_file"
