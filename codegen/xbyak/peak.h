// The compute bound of the dot kernels: a loop of independent vdpbf16ps (or FMA) that never
// touches memory, run on every thread at once. A prefill figure is judged against this.
#pragma once
#include "codegen/xbyak/cpu.h"

namespace q3c::xbyak {

struct PeakResult {
  double gflops;       // median over repeats, all threads together
  const char* instr;   // the instruction measured
};

// `bf16`: vdpbf16ps where the ISA has it (else the f32 FMA the bf16 path falls back to).
PeakResult measurePeak(Isa isa, bool bf16, int threads);
// The integer dot of quantized prefill in GOP/s, a multiply-add counted as 2 ops: the int8 dot
// (vpdpbusd zmm, AVX512-VNNI), the bound the issue sets int8 prefill against; on AVX2, the int16
// tiles' vpmaddwd ymm. 0 on AVX-512 without VNNI (whose prefill takes the f32 dot tiles).
PeakResult measureInt8Peak(Isa isa, int threads);
// AVX2's int4 tiles' vpmaddubsw ymm (32 unsigned x signed byte products per instruction), in
// GOP/s like measureInt8Peak.
PeakResult measureBytePairPeak(int threads);

// AMX-BF16 (tdpbf16ps, four accumulator tiles) in GFLOP/s: the bound of a prefill on the AMX
// panel tiles. 0 where the CPU has no AMX-BF16 or Linux refused the tile state.
PeakResult measureAmxBf16Peak(int threads);
// AMX-INT8 (tdpbssd, four accumulator tiles) in GOP/s, a multiply-add counted as 2 ops: the
// bound of a quantized prefill on the AMX-INT8 panel tiles. 0 where the CPU has no AMX-INT8 or
// Linux refused the tile state.
PeakResult measureAmxInt8Peak(int threads);

// The memory bound: GB/s of reading `bytes` at `data` (a multiple of 1 KB, 64-byte aligned),
// split over `threads` threads, with the widest loads of `isa` into independent
// accumulators, so nothing but the memory system limits it. One pass; the caller repeats.
double readBandwidth(Isa isa, const void* data, size_t bytes, int threads);

}  // namespace q3c::xbyak
