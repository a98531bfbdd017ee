#!/bin/sh
# Packs the built jit (build/q3c, amx_test, llvm_test, quant_test) for the lent AMX machine, which has no
# LLVM and cannot install anything: the binaries go with every shared library they load and
# Debian's own loader, so they run there exactly as here (the loader is called directly:
# bundle/ld-linux-x86-64.so.2 --library-path bundle BINARY). Writes .devcarry/ (git-ignored,
# ~50 MB; the libraries are xz-compressed, which takes ~2 minutes the first time). Build first
# (scripts/setup.sh). Then, from a session that was lent the machine:
#
#   run  command: "bash scripts/device_check.sh"   carry: [".devcarry"]   timeout_s: 300
#
# scripts/device_check.sh runs the AMX tests and q3c bench with and without AMX there; it took
# 133 s on 2026-11-28 (its steps' own limits add up to 600 s).
set -eu
cd "$(dirname "$0")/.."
bins="q3c amx_test llvm_test quant_test"
for b in $bins; do
  [ -x "build/$b" ] || { echo "device_bundle: build/$b is missing: build first (scripts/setup.sh)" >&2; exit 1; }
done
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.devcarry/' "$exclude" 2>/dev/null || echo '/.devcarry/' >>"$exclude"
mkdir -p .devcarry
for b in $bins; do cp "build/$b" .devcarry/; done
# Each library once: the path after "=>", or the loader's own path.
libs=$(for b in $bins; do ldd "build/$b"; done | awk '/=>/ {print $3; next} /ld-linux/ {print $1}' | sort -u)
# The bundle is rebuilt when any library's contents change, not only the list.
sums=$(sha256sum $libs)
if [ ! -f .devcarry/bundle.tar.xz ] || [ "$(cat .devcarry/bundle.sums 2>/dev/null)" != "$sums" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  mkdir "$tmp/bundle"
  for l in $libs; do cp -L "$l" "$tmp/bundle/"; done
  echo "device_bundle: compressing $(du -sh "$tmp/bundle" | cut -f1) of libraries ..." >&2
  tar cJf .devcarry/bundle.tar.xz -C "$tmp" bundle
  echo "$sums" >.devcarry/bundle.sums
fi
echo "device_bundle: .devcarry/ holds $(du -sh .devcarry | cut -f1)"
