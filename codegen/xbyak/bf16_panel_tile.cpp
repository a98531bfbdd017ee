#include "codegen/xbyak/bf16_panel_tile.h"

#include <cstddef>
#include <string>

#include "frontend/error.h"

namespace q3c::xbyak {

Bf16PanelKernel::Bf16PanelKernel(int mr) : Generator("bf16panel_" + std::to_string(mr) + "x48", 8192) {
  using namespace Xbyak;
  if (mr < 1 || mr > kBf16PanelRows) throw Error("bf16 panel tile with " + std::to_string(mr) + " rows");
  constexpr int nv = kBf16PanelCols / 16, colBytes = kBf16PanelCols * 4, unroll = 4;  // bytes per k pair
  // Registers: accumulators 0..23, weights 24..26, broadcasts 27..30 (in turn).
  auto acc = [&](int i, int j) { return Zmm(i * nv + j); };
  auto wv = [&](int j) { return Zmm(24 + j); };
  auto bv = [&](int i) { return Zmm(27 + i % 4); };
  const Reg64 arg = rdi, a = rsi, lda = rdx, lda3 = rcx, a4 = r8, w = r9, out = r10, pairs = r11;
  auto rowAt = [&](int i) { return row(i < 4 ? a : a4, lda, lda3, i % 4); };
  enter();
  mov(a, qword[arg + offsetof(Bf16PanelArgs, a)]);
  mov(lda, qword[arg + offsetof(Bf16PanelArgs, ldaBytes)]);
  lea(lda3, ptr[lda + lda * 2]);
  lea(a4, ptr[a + lda * 4]);
  mov(w, qword[arg + offsetof(Bf16PanelArgs, w)]);
  mov(out, qword[arg + offsetof(Bf16PanelArgs, out)]);
  mov(pairs, qword[arg + offsetof(Bf16PanelArgs, pairs)]);
  Label fresh, loop, tail, tailLoop, done;
  test(qword[arg + offsetof(Bf16PanelArgs, flags)], static_cast<uint32_t>(kBf16PanelResume));
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vxorps(acc(i, j), acc(i, j), acc(i, j));
  jz(fresh, T_NEAR);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vmovups(acc(i, j), zword[out + i * colBytes + j * 64]);
  L(fresh);
  // One step: the pair at byte `at` of every row against the 48 columns at w + wAt.
  auto step = [&](int at, int wAt) {
    for (int j = 0; j < nv; ++j) vmovups(wv(j), zword[w + wAt + j * 64]);
    for (int i = 0; i < mr; ++i) {
      vpbroadcastd(bv(i), dword[rowAt(i) + at]);
      for (int j = 0; j < nv; ++j) vdpbf16ps(acc(i, j), wv(j), bv(i));
    }
  };
  cmp(pairs, unroll);
  jb(tail, T_NEAR);
  L(loop);
  for (int u = 0; u < unroll; ++u) step(4 * u, u * colBytes);
  add(a, 4 * unroll);
  add(a4, 4 * unroll);
  add(w, unroll * colBytes);
  sub(pairs, unroll);
  cmp(pairs, unroll);
  jae(loop, T_NEAR);
  L(tail);
  test(pairs, pairs);
  jz(done, T_NEAR);
  L(tailLoop);
  step(0, 0);
  add(a, 4);
  add(a4, 4);
  add(w, colBytes);
  dec(pairs);
  jnz(tailLoop, T_NEAR);
  L(done);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nv; ++j) vmovups(zword[out + i * colBytes + j * 64], acc(i, j));
  leave();
  fn_ = finish<Bf16PanelFn>();
}

Bf16PanelSet::Bf16PanelSet()
    : RowCountKernels(kBf16PanelRows, [](int mr) { return std::make_unique<Bf16PanelKernel>(mr); }) {}

}  // namespace q3c::xbyak
