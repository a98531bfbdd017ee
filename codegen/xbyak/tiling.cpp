#include "codegen/xbyak/tiling.h"

#include <algorithm>

#include "codegen/xbyak/dot_tile.h"

namespace q3c::xbyak {

GemmTiling planGemmTiling(Isa isa, ir::DType a, ir::DType w, int64_t K, const HostCpu& cpu) {
  GemmTiling t;
  t.mr = maxTileRows(isa);
  t.nr = maxTileCols(isa);
  t.kStep = dotKStep(isa, a, w);
  t.kFull = K / t.kStep * t.kStep;
  const int64_t steps = t.kFull / t.kStep;
  const int64_t maxSteps = std::max<int64_t>(1, cpu.l1d / 3 / (t.nr * t.kStep * ir::dtypeSize(w)));
  const int64_t chunks = std::max<int64_t>(1, (steps + maxSteps - 1) / maxSteps);
  t.kChunk = (steps + chunks - 1) / chunks * t.kStep;
  const int64_t rowBytes = std::max<int64_t>(1, std::max(t.kChunk, t.kStep) * ir::dtypeSize(a));
  t.mBlock = std::max<int64_t>(t.mr, cpu.l2 / 2 / rowBytes / t.mr * t.mr);
  return t;
}

}  // namespace q3c::xbyak
