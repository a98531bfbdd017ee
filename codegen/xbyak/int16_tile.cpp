#include "codegen/xbyak/int16_tile.h"

#include <cstddef>
#include <string>

#include "frontend/error.h"

namespace q3c::xbyak {

namespace {
constexpr int kPassCols = 24;                     // columns per pass: 3 registers of 8 lanes
constexpr int kStepBytes = kInt16TileCols * 4;    // packed bytes per pair of k
constexpr int kUnroll = 8;                        // k pairs per trip of the inner loop
}  // namespace

Int16TileKernel::Int16TileKernel(int mr, int64_t group)
    : Generator("int16madd_avx2_" + std::to_string(mr) + "x48_g" + std::to_string(group), 8192) {
  using namespace Xbyak;
  if (mr < 1 || mr > kInt16TileRows) throw Error("int16 tile with " + std::to_string(mr) + " rows");
  if (group < 16 || group % 16 != 0 || group > kInt16MaxGroup)
    throw Error("int16 tile for group " + std::to_string(group));
  constexpr int nv = kPassCols / 8;
  auto iacc = [&](int i, int j) { return Ymm(i * nv + j); };  // 0..8
  auto wv = [&](int j) { return Ymm(9 + j); };                 // 9..11
  const Ymm av(12), prod(13), zero(14);
  const Reg64 arg = rdi, a = rsi, lda = rdx, lda3 = rcx, s = r8, w = r9, ws = r10, out = r11, groups = rax;
  const Reg64 trips = rbx, a0 = r12, s0 = r13, w0 = r14, ws0 = r15, groups0 = rbp;
  auto rowAt = [&](const Reg64& base, int i) { return row(base, lda, lda3, i); };
  enter();
  mov(a0, qword[arg + offsetof(Int16TileArgs, a)]);
  mov(lda, qword[arg + offsetof(Int16TileArgs, ldaBytes)]);
  lea(lda3, ptr[lda + lda * 2]);
  mov(s0, qword[arg + offsetof(Int16TileArgs, s)]);
  mov(w0, qword[arg + offsetof(Int16TileArgs, w)]);
  mov(ws0, qword[arg + offsetof(Int16TileArgs, ws)]);
  mov(out, qword[arg + offsetof(Int16TileArgs, out)]);
  mov(groups0, qword[arg + offsetof(Int16TileArgs, groups)]);
  // A fresh tile starts from zero sums: the passes below only ever add to `out`.
  Label resume;
  test(qword[arg + offsetof(Int16TileArgs, flags)], static_cast<uint32_t>(kInt16Resume));
  jnz(resume, T_NEAR);
  vxorps(zero, zero, zero);
  for (int i = 0; i < mr; ++i)
    for (int c = 0; c < kInt16TileCols / 8; ++c) vmovups(yword[out + i * kStepBytes + c * 32], zero);
  L(resume);
  for (int pass = 0; pass < kInt16TileCols / kPassCols; ++pass) {
    const int colOffset = pass * kPassCols * 4;  // bytes into a packed step, the scales and the sums
    mov(a, a0);
    mov(s, s0);
    lea(w, ptr[w0 + colOffset]);
    lea(ws, ptr[ws0 + colOffset]);
    mov(groups, groups0);
    Label groupLoop, kLoop;
    L(groupLoop);
    for (int i = 0; i < mr; ++i)
      for (int j = 0; j < nv; ++j) vpxor(iacc(i, j), iacc(i, j), iacc(i, j));
    mov(trips, static_cast<uint32_t>(group / 2 / kUnroll));
    L(kLoop);
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
