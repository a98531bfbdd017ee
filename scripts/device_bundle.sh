#!/bin/sh
# Packs the built jit (build/q3c, amx_test, llvm_test) for the lent AMX machine, which has no
# LLVM and cannot install anything: the binaries go with every shared library they load and
# Debian's own loader, so they run there exactly as here (the loader is called directly:
# bundle/ld-linux-x86-64.so.2 --library-path bundle BINARY). Writes .devcarry/ (git-ignored,
# ~50 MB; the libraries are xz-compressed, which takes ~2 minutes the first time). Then, from a
# session that was lent the machine:
#
#   run  command: "bash scripts/device_check.sh"   carry: [".devcarry"]   timeout_s: 300
#
# scripts/device_check.sh runs the AMX tests and q3c bench with and without AMX there.
set -eu
cd "$(dirname "$0")/.."
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.devcarry/' "$exclude" 2>/dev/null || echo '/.devcarry/' >>"$exclude"
mkdir -p .devcarry
for b in q3c amx_test llvm_test; do cp "build/$b" .devcarry/; done
libs=$(for b in q3c amx_test llvm_test; do ldd "build/$b"; done | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
if [ ! -f .devcarry/bundle.tar.xz ] || [ "$(cat .devcarry/bundle.list 2>/dev/null)" != "$libs" ]; then
  tmp=$(mktemp -d)
  mkdir "$tmp/bundle"
  for l in $libs; do cp -L "$l" "$tmp/bundle/"; done
  echo "device_bundle: compressing $(du -sh "$tmp/bundle" | cut -f1) of libraries ..." >&2
  tar cJf .devcarry/bundle.tar.xz -C "$tmp" bundle
  rm -rf "$tmp"
  echo "$libs" >.devcarry/bundle.list
fi
echo "device_bundle: .devcarry/ holds $(du -sh .devcarry | cut -f1)"
