#include "codegen/xbyak/int4_madd_tile.h"

#include <cstddef>
#include <string>

#include "frontend/error.h"

namespace q3c::xbyak {

static_assert(kInt4MaddTileCols == 48 && kInt4MaddResume == 1);  // Avx2PanelTile's columns and kResume

Int4MaddTileKernel::Int4MaddTileKernel(int mr, int64_t block, bool zeroPoints)
    : Avx2PanelTile("int4madd_avx2_" + std::to_string(mr) + "x48_b" + std::to_string(block) + (zeroPoints ? "_zp" : ""), 8192) {
  using namespace Xbyak;
  if (mr < 1 || mr > kInt4MaddTileRows) throw Error("int4 madd tile with " + std::to_string(mr) + " rows");
  if (block < 4 || block % 4 != 0 || block > kInt4MaddMaxBlock)
    throw Error("int4 madd tile for blocks of " + std::to_string(block));
  constexpr int nv = kPassVectors;
  const int steps = static_cast<int>(block / 4);
  auto acc = [&](int i, int j) { return Ymm(i * nv + j); };  // 0..8: int16, then int32, then f32
  auto wv = [&](int j) { return Ymm(9 + j); };                // 9..11
  const Ymm av(12), prod(13), ones(14), sum(15);
  const Reg64 mins = rbx;
  const Reg64& blocks = groups;  // the record entries are blocks here
  start(mr, sum);
  vpcmpeqw(ones, ones, ones);  // int16 ones: -1 >> 15
  vpsrlw(ones, ones, 15);
  for (int pass = 0; pass < kCols / kPassCols; ++pass) {
    const int colOffset = startPass(pass);
    if (zeroPoints) {
      mov(mins, qword[arg + offsetof(Int4MaddTileArgs, mins)]);
      add(mins, colOffset);
    }
    Label blockLoop;
    if (pass == 0) prefetchNextTileRows(s, mr);
    L(blockLoop);
    if (pass == 0) prefetchNextTileRows(a, mr);
    for (int k = 0; k < steps; ++k) {
      for (int j = 0; j < nv; ++j) vmovdqu(wv(j), yword[w + k * kStepBytes + j * 32]);
      for (int i = 0; i < mr; ++i) {
        vpbroadcastd(av, dword[rowAt(a, i) + k * 4]);
        for (int j = 0; j < nv; ++j) {
          if (k == 0) {  // the block's first step starts the int16 sums
            vpmaddubsw(acc(i, j), wv(j), av);
          } else {
            vpmaddubsw(prod, wv(j), av);
            vpaddw(acc(i, j), acc(i, j), prod);
          }
        }
      }
    }
    // The block's sums: pairs of int16 to int32 (vpmaddwd by ones), the row's correction, then
    // scaled by the weight columns' and the row's scales into `out` (zero points: no correction,
    // and the mins times the row's factor z added too).
    for (int i = 0; i < mr; ++i) {
      if (zeroPoints) vbroadcastss(av, dword[rowAt(s, i) + 4]);
      else vpbroadcastd(av, dword[rowAt(s, i) + 4]);
      vbroadcastss(prod, dword[rowAt(s, i)]);
      for (int j = 0; j < nv; ++j) {
        const Address at = yword[out + i * kStepBytes + colOffset + j * 32];
        vpmaddwd(acc(i, j), acc(i, j), ones);
        if (!zeroPoints) vpaddd(acc(i, j), acc(i, j), av);
        vcvtdq2ps(acc(i, j), acc(i, j));
        vmulps(acc(i, j), acc(i, j), yword[ws + j * 32]);
        vmovups(sum, at);
        vfmadd231ps(sum, acc(i, j), prod);
        if (zeroPoints) vfmadd231ps(sum, av, yword[mins + j * 32]);
        vmovups(at, sum);
      }
    }
    add(a, static_cast<uint32_t>(block));
    add(w, static_cast<uint32_t>(steps * kStepBytes));
    add(s, 8);
    add(ws, kStepBytes);
    if (zeroPoints) add(mins, kStepBytes);
    dec(blocks);
    jnz(blockLoop, T_NEAR);
  }
  leave();
  fn_ = finish<Int4MaddTileFn>();
}

Int4MaddTileSet::Int4MaddTileSet(int64_t block, bool zeroPoints)
    : RowCountKernels(kInt4MaddTileRows, [block, zeroPoints](int mr) {
        return std::make_unique<Int4MaddTileKernel>(mr, block, zeroPoints);
      }) {}

}  // namespace q3c::xbyak
