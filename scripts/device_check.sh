#!/bin/bash
# Runs on the lent AMX machine (see scripts/device_bundle.sh): the AMX kernel tests, the jit's
# AMX prefill against the interpreter, then q3c bench on synthesized Qwen3-0.6B and 4B with the
# AMX panels (--isa native) and without them (--isa avx512bf16). Each step's whole output goes
# to $OUT/STEP.txt; its summary lines to stdout.
cd "$(dirname "$0")/../.devcarry" || exit 1
OUT=${OUT:-/tmp/q3c-device}
mkdir -p "$OUT"
tar xJf bundle.tar.xz || { echo "device_check: cannot unpack .devcarry/bundle.tar.xz (run scripts/device_bundle.sh)"; exit 1; }
run=(./bundle/ld-linux-x86-64.so.2 --library-path ./bundle)  # the carried loader and libraries
step() {
  local name=$1 limit=$2 start rc
  shift 2
  start=$(date +%s)
  timeout "$limit" "$@" >"$OUT/$name.txt" 2>&1
  rc=$?
  echo "== $name: exit $rc in $(($(date +%s) - start)) s"
  grep -E "PASSED|FAILED|SKIPPED \]|rel err|^jit|^start-up|^prefill|^decode|^  bound" "$OUT/$name.txt" | sed 's/^jit .*; prefill/  prefill/'
}
grep -m1 'model name' /proc/cpuinfo
echo "$(nproc) CPUs; $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -cE '^amx_(bf16|int8|tile)$') of 3 AMX flags"
step amx_test 60 "${run[@]}" ./amx_test
step amx_test_again 60 "${run[@]}" ./amx_test  # an AMX probe once died with SIGILL in 2 of 6 runs
step llvm_test 180 "${run[@]}" ./llvm_test --gtest_filter='*AmxPanel*:*PackedPanel*:*OddShapes*:*TiledAttention*'
for preset in qwen3-0.6b qwen3-4b; do
  step "synth-$preset" 120 "${run[@]}" ./q3c synth --preset "$preset" --dtype bf16 -o "/tmp/$preset" -q
  step "bench-$preset-amx" 120 "${run[@]}" ./q3c bench "/tmp/$preset" -p 512 -n 16 -r 3
  step "bench-$preset-avx512bf16" 180 "${run[@]}" ./q3c bench "/tmp/$preset" -p 512 -n 16 -r 3 --isa avx512bf16
done
