#include "codegen/xbyak/int16_tile.h"

#include <cstddef>
#include <string>

#include "frontend/error.h"

namespace q3c::xbyak {

static_assert(kInt16TileCols == 48 && kInt16Resume == 1);  // Avx2PanelTile's columns and kResume

namespace {
constexpr int kUnroll = 8;  // k pairs per trip of the inner loop
}  // namespace

Int16TileKernel::Int16TileKernel(int mr, int64_t group)
    : Avx2PanelTile("int16madd_avx2_" + std::to_string(mr) + "x48_g" + std::to_string(group), 8192) {
  using namespace Xbyak;
  if (mr < 1 || mr > kInt16TileRows) throw Error("int16 tile with " + std::to_string(mr) + " rows");
  if (group < 16 || group % 16 != 0 || group > kInt16MaxGroup)
    throw Error("int16 tile for group " + std::to_string(group));
  constexpr int nv = kPassVectors;
  auto iacc = [&](int i, int j) { return Ymm(i * nv + j); };  // 0..8
  auto wv = [&](int j) { return Ymm(9 + j); };                 // 9..11
  const Ymm av(12), prod(13), zero(14);
  const Reg64 trips = rbx;
  start(mr, zero);
  for (int pass = 0; pass < kCols / kPassCols; ++pass) {
    const int colOffset = startPass(pass);
    Label groupLoop, kLoop;
    if (pass == 0) prefetchNextTileRows(s, mr);
    L(groupLoop);
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nv; ++j) vpxor(iacc(i, j), iacc(i, j), iacc(i, j));
    mov(trips, static_cast<uint32_t>(group / 2 / kUnroll));
    L(kLoop);
    if (pass == 0) prefetchNextTileRows(a, mr);
    for (int k = 0; k < kUnroll; ++k) {
      for (int j = 0; j < nv; ++j) vmovdqu(wv(j), yword[w + k * kStepBytes + j * 32]);
      for (int i = 0; i < mr; ++i) {
        vpbroadcastd(av, dword[rowAt(a, i) + k * 4]);
        for (int j = 0; j < nv; ++j) {
          vpmaddwd(prod, wv(j), av);
          vpaddd(iacc(i, j), iacc(i, j), prod);
        }
      }
    }
    add(a, kUnroll * 4);
    add(w, kUnroll * kStepBytes);
    dec(trips);
    jnz(kLoop, T_NEAR);
    // The group's sums, scaled by the weight columns' and the row's group scales, into `out`.
    for (int i = 0; i < mr; ++i) {
      vbroadcastss(av, dword[rowAt(s, i)]);
      for (int j = 0; j < nv; ++j) {
        const Address sum = yword[out + i * kStepBytes + colOffset + j * 32];
        vcvtdq2ps(iacc(i, j), iacc(i, j));
        vmulps(iacc(i, j), iacc(i, j), yword[ws + j * 32]);
        vmovups(prod, sum);
        vfmadd231ps(prod, iacc(i, j), av);
        vmovups(sum, prod);
      }
    }
    add(s, 8);
    add(ws, kStepBytes);
    dec(groups);
    jnz(groupLoop, T_NEAR);
  }
  leave();
  fn_ = finish<Int16TileFn>();
}

Int16TileSet::Int16TileSet(int64_t group)
    : RowCountKernels(kInt16TileRows, [group](int mr) { return std::make_unique<Int16TileKernel>(mr, group); }) {}

}  // namespace q3c::xbyak
