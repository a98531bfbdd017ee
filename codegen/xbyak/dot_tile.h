// The GEMM/GEMV microkernel family: a tile of dot products between activation rows and weight
// rows, both with K contiguous (the weight in its [N, K] file layout, so bf16 weights need no
// repacking: every K pair vdpbf16ps consumes is already adjacent).
//
//   out[i * nr + j] = sum_{k < K} A[i][k] * W_j[k]     for i < mr, j < nr
//
// A row i starts at a + i * ldaBytes; W_j at wRows[j] (rows of one tile may come from
// different tensors: the stacked q/k/v or gate/up parts). K is fixed when the kernel is
// generated and is a multiple of dotKStep(); the caller adds the last K % step products.
// Every tile register-blocks mr x nr accumulators, each W vector is loaded once per step and
// used by mr rows, each A vector by nr rows; the sums are reduced across lanes at the end.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/generator.h"
#include "ir/types.h"

namespace q3c::xbyak {

using DotTileFn = void (*)(const void* a, int64_t ldaBytes, const void* const* wRows, float* out);

struct DotTileSpec {
  Isa isa;
  ir::DType a, w;  // a: f32 or bf16; w: f32, bf16 or f16 (bf16 when a is)
  int mr, nr;      // 1 .. maxTileRows(isa), 1 .. maxTileCols(isa)
  int64_t k;       // a multiple of dotKStep(isa, a, w)
};

// Elements of K one step of the kernel consumes: a register of A.
int64_t dotKStep(Isa isa, ir::DType a, ir::DType w);
// The largest tile: as many accumulators as leave registers for one row of A per tile row
// and the W stream (AVX-512: 4 x 6 = 24 of 32; AVX2: 3 x 4 = 12 of 16).
int maxTileRows(Isa isa);
int maxTileCols(Isa isa);
// Whether the family has a kernel for these dtypes (else throws in the constructor).
bool dotTileSupports(ir::DType a, ir::DType w);

class DotTileKernel : public Generator {
 public:
  explicit DotTileKernel(const DotTileSpec& spec);
  DotTileFn fn() const { return fn_; }

 private:
  DotTileFn fn_;
};

// Every tile size of one (isa, a, w, K): the table generated code indexes by the rows and
// columns left at the edges, table()[(mr - 1) * maxCols + nr - 1].
class DotTileSet {
 public:
  DotTileSet(Isa isa, ir::DType a, ir::DType w, int64_t k);
  const DotTileFn* table() const { return table_.data(); }
  int maxRows() const { return maxRows_; }
  int maxCols() const { return maxCols_; }

 private:
  int maxRows_, maxCols_;
  std::vector<std::unique_ptr<DotTileKernel>> kernels_;
  std::vector<DotTileFn> table_;
};

}  // namespace q3c::xbyak
