#!/bin/sh
# Builds the AMX-BF16 and AMX-INT8 checks and benchmark (bench/amx_bench.cpp) as one static
# binary with no LLVM, build-amx/amx_bench, for the lent AMX machine (Ubuntu, nothing
# installable). Then, from a session that was lent one, run it twice there (an AMX probe died
# with SIGILL in 2 of 6 runs once; see ../shared/TOOLCHAIN.md):
#
#   run  command: "build-amx/amx_bench; echo rc=$?; build-amx/amx_bench; echo rc=$?"
#        carry:   ["build-amx"]      timeout_s: 300
#
# Here (no AMX) the binary prints the CPU and exits 2.
set -eu
cd "$(dirname "$0")/.."
mkdir -p build-amx
g++ -std=c++20 -O2 -static -I. -o build-amx/amx_bench bench/amx_bench.cpp codegen/xbyak/amx_gemm.cpp \
  codegen/xbyak/amx_int8_gemm.cpp codegen/xbyak/generator.cpp codegen/xbyak/cpu.cpp codegen/xbyak/peak.cpp -lpthread
echo "built build-amx/amx_bench ($(du -h build-amx/amx_bench | cut -f1), static)"
