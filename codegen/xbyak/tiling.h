// The tiling cost model of the dot kernels: register block, K step and the M block, derived
// from the ISA's register file and the host's cache sizes (see docs/kernels.md).
//
//   register block  mr x nr accumulators: the largest that leaves one register per A row and
//                   one or two for the W stream (AVX-512 4 x 6, AVX2 3 x 4). Each W load feeds
//                   mr dot instructions, each A load nr.
//   K chunk         a panel of nr weight rows x kChunk stays in L1 while every tile of the M
//                   block reads it: nr x kChunk x bytes per W element <= L1 / 3 (the rest of
//                   L1 streams A). K is cut into equal chunks of whole steps (2560 -> 2 x 1280,
//                   9728 -> 8 x 1216 for bf16 on a 48 KB L1); a tile's accumulators carry from
//                   chunk to chunk unreduced, so only the last chunk pays the lane reduction.
//                   Measured (bench/matmul_bench, 512 rows, 2 threads): K = 1280 ran at 643
//                   GFLOP/s, 2560 at 605, 5120 at 439 before chunking.
//   N (weights)     threads take disjoint panels of output columns; a panel's weight rows are
//                   read from memory once per M block.
//   M block         A rows whose chunk fits half of L2 (the other half holds the W panel and
//                   the sums): mBlock = L2 / 2 / (kChunk x bytes per A element), a multiple of
//                   mr. Decode (one row) uses one chunk: each weight is read once anyway.
#pragma once
#include <cstdint>

#include "codegen/xbyak/cpu.h"
#include "ir/types.h"

namespace q3c::xbyak {

struct GemmTiling {
  int mr, nr;          // register block (the largest tile)
  int64_t kStep;       // elements per dot step
  int64_t kFull;       // K rounded down to kStep: what the tile kernels do, the rest is the caller's
  int64_t kChunk;      // elements of K per chunk (a multiple of kStep; kFull when it fits)
  int64_t mBlock;      // A rows per cache block
};

GemmTiling planGemmTiling(Isa isa, ir::DType a, ir::DType w, int64_t K, const HostCpu& cpu = hostCpu());

}  // namespace q3c::xbyak
