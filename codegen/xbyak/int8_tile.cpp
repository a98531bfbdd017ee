#include "codegen/xbyak/int8_tile.h"

#include <cstddef>
#include <string>

#include "codegen/xbyak/panel_tile_args.h"
#include "frontend/error.h"

namespace q3c::xbyak {

Int8TileKernel::Int8TileKernel(int mr, int64_t group)
    : Generator("int8dot_vnni_" + std::to_string(mr) + "x48_g" + std::to_string(group), 16384) {
  using namespace Xbyak;
  if (mr < 1 || mr > kInt8TileRows) throw Error("int8 tile with " + std::to_string(mr) + " rows");
  if (group < 4 || group % 4 != 0) throw Error("int8 tile for group " + std::to_string(group));
  constexpr int nv = kInt8TileCols / 16, colBytes = kInt8TileCols * 4;  // registers per row; bytes per k step
  const int steps = static_cast<int>(group / 4);
  // Registers: int accumulators 0..11, f32 sums 12..23, weights 24..26, activations 27..30.
  auto iacc = [&](int i, int j) { return Zmm(i * nv + j); };
  auto facc = [&](int i, int j) { return Zmm(12 + i * nv + j); };
  auto wv = [&](int j) { return Zmm(24 + j); };
  auto av = [&](int i) { return Zmm(27 + i); };
  const Reg64 arg = rdi, a = rsi, lda = rdx, lda3 = rcx, s = r8, w = r9, ws = r10, out = r11, groups = rax;
  auto rowAt = [&](const Reg64& base, int i) { return row(base, lda, lda3, i); };  // row i of the records
  enter();
  loadPanelTileArgs<Int8TileArgs>(*this, arg, {a, lda, lda3, s, w, ws, out, groups});
  Label fresh, groupLoop;
  test(qword[arg + offsetof(Int8TileArgs, flags)], static_cast<uint32_t>(kInt8Resume));
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vxorps(facc(i, j), facc(i, j), facc(i, j));
  jz(fresh, T_NEAR);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vmovups(facc(i, j), zword[out + i * colBytes + j * 64]);
  L(fresh);
  L(groupLoop);
  {
    for (int i = 0; i < mr; ++i) {  // the correction: the int sums start from it
      vpbroadcastd(av(i), dword[rowAt(s, i) + 4]);
      for (int j = 0; j < nv; ++j) vmovdqa32(iacc(i, j), av(i));
    }
    for (int k = 0; k < steps; ++k) {
      for (int j = 0; j < nv; ++j) vmovdqu8(wv(j), zword[w + k * colBytes + j * 64]);
      for (int i = 0; i < mr; ++i) vpbroadcastd(av(i), dword[rowAt(a, i) + k * 4]);
      for (int i = 0; i < mr; ++i)
        for (int j = 0; j < nv; ++j) vpdpbusd(iacc(i, j), wv(j), av(i));
    }
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nv; ++j) {
        vcvtdq2ps(iacc(i, j), iacc(i, j));
        vmulps(iacc(i, j), iacc(i, j), zword[ws + j * 64]);
        vfmadd231ps(facc(i, j), iacc(i, j), zword_b[rowAt(s, i)]);
      }
    add(a, static_cast<uint32_t>(group));
    add(w, static_cast<uint32_t>(steps * colBytes));
    add(s, 8);
    add(ws, colBytes);
    dec(groups);
    jnz(groupLoop, T_NEAR);
  }
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vmovups(zword[out + i * colBytes + j * 64], facc(i, j));
  leave();
  fn_ = finish<Int8TileFn>();
}

Int8TileSet::Int8TileSet(int64_t group)
    : RowCountKernels(kInt8TileRows, [group](int mr) { return std::make_unique<Int8TileKernel>(mr, group); }) {}

}  // namespace q3c::xbyak
