#!/usr/bin/env bash
# Installs every system package the build, the tests and the demo need.
# Idempotent: packages already present are skipped without touching the network.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  librocksdb-dev libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libssl-dev libcurl4-openssl-dev libzstd-dev liblz4-dev libsnappy-dev libisal-dev zlib1g-dev libbz2-dev
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libtoml11-dev libmicrohttpd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zstd procps psmisc gnuplot-nox
  mariadb-client sysbench
  prometheus  # promtool: the metrics test checks the exposition text with Prometheus' parser
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "deps: all system packages present"
fi

# Node.js runs the object-store protocol servers the storage tests drive (s3rver for S3 and GCS's
# XML API, azurite for Azure Blob; pinned in tests/storage_servers/package-lock.json). Some
# machines carry a non-Debian nodejs that bundles npm, so the Debian packages are installed only
# when the commands are missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "deps: installing nodejs npm"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
STORAGE_SERVERS="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/storage_servers"
# npm ci again when the lock file changed since the last install (npm writes
# node_modules/.package-lock.json) or a pinned server is missing, so machines that installed an
# older set (s3rver only) pick up new servers.
NM="$STORAGE_SERVERS/node_modules"
if [ ! -d "$NM" ] || [ ! -f "$NM/.package-lock.json" ] ||
   [ "$STORAGE_SERVERS/package-lock.json" -nt "$NM/.package-lock.json" ] ||
   [ ! -f "$NM/s3rver/package.json" ] || [ ! -f "$NM/azurite/package.json" ]; then
  echo "deps: installing storage test servers (npm ci)"
  npm ci --prefix "$STORAGE_SERVERS" --no-audit --no-fund --loglevel=error
else
  echo "deps: storage test servers present"
fi
