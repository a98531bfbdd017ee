// The GEMM/GEMV microkernel family: a tile of dot products between activation rows and weight
// rows, both with K contiguous (the weight in its [N, K] file layout, so bf16 weights need no
// repacking: every K pair vdpbf16ps consumes is already adjacent).
//
//   out[i * maxCols + j] = sum_{kBegin <= k < kEnd} A[i][k] * W_j[k]     for i < mr, j < nr
//
// A row i starts at a + i * ldaBytes; W_j at wRows[j] (rows of one tile may come from
// different tensors: the stacked q/k/v or gate/up parts). Every tile register-blocks mr x nr
// accumulators; each W vector is loaded once per step and used by mr rows, each A vector by
// nr rows; the sums are reduced across lanes at the end.
//
// K comes in chunks (see tiling.h) so that a panel of weight rows stays in L1 while every
// tile of an M block uses it: a chunk that is not the last leaves its accumulators, unreduced,
// in `partial` (mr * nr registers), and the next chunk starts from them. Chunk bounds are
// multiples of dotKStep(); the caller adds the last K % step products.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/generator.h"
#include "ir/types.h"

namespace q3c::xbyak {

// The one argument of a tile kernel (a struct, so generated code fills it in place).
struct DotTileArgs {
  const void* a;             // row 0 of A (at k = 0)
  int64_t ldaBytes;          // A row stride
  const void* const* wRows;  // nr weight row pointers (at k = 0)
  float* out;                // the sums, rows maxCols floats apart (with kFinish)
  float* partial;            // mr * nr vector registers of unreduced sums between chunks
  int64_t kBegin, kEnd;      // the chunk, in elements
  int64_t flags;             // kResume | kFinish
};
constexpr int64_t kResume = 1;  // start from `partial` (else from zero)
constexpr int64_t kFinish = 2;  // reduce into `out` (else leave the sums in `partial`)
using DotTileFn = void (*)(const DotTileArgs* args);

struct DotTileSpec {
  Isa isa;
  ir::DType a, w;  // a: f32 or bf16; w: f32, bf16 or f16 (bf16 when a is)
  int mr, nr;      // 1 .. maxTileRows(isa), 1 .. maxTileCols(isa)
  bool fuseOneRowLoads = true;  // one-row tiles: weights as the dots' memory operands (false: load, then dot)
};
// Bytes of `partial` one tile needs at most.
int64_t partialBytes(Isa isa);

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
  void reduceByTree(int count, const Xbyak::Reg64& out);
  DotTileFn fn_;
};

// Every tile size of one (isa, a, w): the table generated code indexes by the rows and
// columns left at the edges, table()[(mr - 1) * maxCols + nr - 1].
class DotTileSet {
 public:
  DotTileSet(Isa isa, ir::DType a, ir::DType w, bool fuseOneRowLoads = true);
  const DotTileFn* table() const { return table_.data(); }
  int maxRows() const { return maxRows_; }
  int maxCols() const { return maxCols_; }

 private:
  int maxRows_, maxCols_;
  std::vector<std::unique_ptr<DotTileKernel>> kernels_;
  std::vector<DotTileFn> table_;
};

}  // namespace q3c::xbyak
