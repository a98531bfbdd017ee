#!/bin/bash
# Runs on the lent AMX machine (see scripts/device_bundle.sh): the AMX kernel tests, the jit's
# AMX prefill (bf16 on tdpbf16ps, int8 and int4 on tdpbssd) against the interpreter and the
# AVX-512 panels, then q3c bench on a synthesized Qwen3-4B: bf16, int8 and int4, each with the AMX
# panels (--isa native) and without them (--isa avx512bf16). Each step's whole output goes to
# STEP.txt, all of them into $OUT/steps.tar.gz at the end (a call brings back 8 files at most);
# their summary lines to stdout.
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
  grep -E "PASSED|FAILED|SKIPPED \]|Failure|Which is|rel err|AMX-INT8 prefill|^jit|^start-up|^prefill|^decode|^  bound" "$OUT/$name.txt" |
    sed 's/^jit .*; prefill/  prefill/' | head -40
}
grep -m1 'model name' /proc/cpuinfo
echo "$(nproc) CPUs; $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -cE '^amx_(bf16|int8|tile)$') of 3 AMX flags"
grep -m1 -o -w -E 'avx512_bf16|avx512_vnni|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' '; echo
step amx_test 60 "${run[@]}" ./amx_test
step amx_test_again 60 "${run[@]}" ./amx_test  # an AMX probe once died with SIGILL in 2 of 6 runs
step quant_test 180 "${run[@]}" ./quant_test --gtest_filter='*Amx*:*Int8PrefillOnTheInt8Tiles*'
step llvm_test 180 "${run[@]}" ./llvm_test --gtest_filter='*AmxPanel*:*PackedPanel*:*OddShapes*:*TiledAttention*'
preset=qwen3-4b
step "synth-$preset" 120 "${run[@]}" ./q3c synth --preset "$preset" --dtype bf16 -o "/tmp/$preset" -q
for quant in none int8 int4; do
  for isa in native avx512bf16; do
    step "bench-$preset-$quant-$isa" 180 "${run[@]}" ./q3c bench "/tmp/$preset" -p 512 -n 16 -r 3 --quant "$quant" --isa "$isa"
  done
done
(cd "$OUT" && tar czf steps.tar.gz ./*.txt && rm -f ./*.txt)
