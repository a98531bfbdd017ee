// The tiling cost model of the dot kernels: register block, K step and the M block, derived
// from the ISA's register file and the host's cache sizes (see docs/kernels.md).
//
//   register block  mr x nr accumulators: the largest that leaves one register per A row and
//                   one or two for the W stream (AVX-512 4 x 6, AVX2 3 x 4). Each W load feeds
//                   mr dot instructions, each A load nr.
//   N (weights)     a panel of nr weight rows x K is walked by every A block; nr x K x 2 bytes
//                   is 30 KB for K = 2560 (L1) and 117 KB for K = 9728 (L2), so after the first
//                   tile of a block the panel comes from cache. Threads take disjoint panels.
//   M block         A rows that fit half of L2 (the other half holds the W panel and the
//                   output): mBlock = L2 / 2 / (K x bytes per A element), a multiple of mr.
//                   The weights are streamed from memory once per M block.
//   K               not blocked: the whole row is one dot, so there is one lane reduction per
//                   output, and the M block already bounds the working set.
#pragma once
#include <cstdint>

#include "codegen/xbyak/cpu.h"
#include "ir/types.h"

namespace q3c::xbyak {

struct GemmTiling {
  int mr, nr;          // register block (the largest tile)
  int64_t kStep;       // elements per dot step
  int64_t kFull;       // K rounded down to kStep: the tile kernel's K, the rest is the caller's
  int64_t mBlock;      // A rows per cache block
};

GemmTiling planGemmTiling(Isa isa, ir::DType a, ir::DType w, int64_t K, const HostCpu& cpu = hostCpu());

}  // namespace q3c::xbyak
