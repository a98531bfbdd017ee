#include "codegen/xbyak/amx_panel_tile.h"

#include <algorithm>
#include <stdexcept>

namespace q3c::xbyak {

AmxPanelKernel::AmxPanelKernel(int mr, int ld)
    : Generator("amx_panel_bf16_" + std::to_string(mr) + "x32_ld" + std::to_string(ld), 1024) {
  using namespace Xbyak;
  if (mr < 1 || mr > kAmxPanelRows || ld % kAmxPanelCols != 0 || ld <= 0)
    throw std::invalid_argument("AmxPanelKernel: mr 1..32 and ld a positive multiple of 32");
  configureAmxPanelTiles(config_, mr, 64, 16);  // 32 k of bf16 a step
  const int high = mr - std::min(mr, 16);

  const Reg64 a = rsi, lda = rdx, w = rcx, out = r8, pairs = r9, a16 = r10, stride = r11;
  mov(rax, reinterpret_cast<uint64_t>(&config_));
  ldtilecfg(ptr[rax]);
  mov(a, qword[rdi + offsetof(AmxPanelArgs, a)]);
  mov(lda, qword[rdi + offsetof(AmxPanelArgs, ldaBytes)]);
  mov(w, qword[rdi + offsetof(AmxPanelArgs, w)]);
  mov(out, qword[rdi + offsetof(AmxPanelArgs, out)]);
  mov(pairs, qword[rdi + offsetof(AmxPanelArgs, pairs)]);
  mov(stride, ld * 4);  // a packed k pair of ld columns, and a row of ld sums
  // The accumulator tiles' places in `out`.
  const int at[4] = {0, 64, 16 * ld * 4, 16 * ld * 4 + 64};
  const int accs = high ? 4 : 2;
  Label zero, start, loop;
  test(qword[rdi + offsetof(AmxPanelArgs, flags)], static_cast<uint32_t>(kAmxPanelResume));
  jz(zero, T_NEAR);
  for (int t = 0; t < accs; ++t) {
    lea(rax, ptr[out + at[t]]);
    tileloadd(Tmm(t), ptr[rax + stride]);
  }
  jmp(start, T_NEAR);
  L(zero);
  for (int t = 0; t < accs; ++t) tilezero(Tmm(t));
  L(start);
  if (high) {
    lea(a16, ptr[a + lda * 8]);
    lea(a16, ptr[a16 + lda * 8]);
  }
  L(loop);
  // 32 k of each activation row, the 16 k pairs of the chunk.
  emitAmxPanelStep(*this, {w, stride, a, a16, lda, rax}, AmxDot::Bf16, high, 64, 16 * ld * 4);
  sub(pairs, 16);
  jg(loop, T_NEAR);
  for (int t = 0; t < accs; ++t) {
    lea(rax, ptr[out + at[t]]);
    tilestored(ptr[rax + stride], Tmm(t));
  }
  tilerelease();
  ret();
  fn_ = finish<AmxPanelFn>();
}

void configureAmxPanelTiles(AmxTileConfig& c, int mr, int aBytes, int bRows) {
  const int low = std::min(mr, 16), high = mr - low;
  auto tile = [&](int t, int rows, int bytes) {
    c.rows[t] = static_cast<uint8_t>(rows);
    c.colsb[t] = static_cast<uint16_t>(rows ? bytes : 0);
  };
  for (int t : {0, 1}) tile(t, low, 64);
  for (int t : {2, 3}) tile(t, high, 64);
  tile(4, low, aBytes);
  tile(5, high, aBytes);
  for (int t : {6, 7}) tile(t, bRows, 64);
}

void emitAmxPanelStep(Xbyak::CodeGenerator& g, const AmxPanelStepRegs& r, AmxDot dot, bool high, int aStep, int wStep) {
  using Xbyak::Tmm;
  const Tmm acc[4] = {Tmm(0), Tmm(1), Tmm(2), Tmm(3)}, rows[2] = {Tmm(4), Tmm(5)}, cols[2] = {Tmm(6), Tmm(7)};
  auto product = [&](int i, int j) { emitAmxDot(g, dot, acc[2 * i + j], rows[i], cols[j]); };
  g.tileloadd(cols[0], g.ptr[r.w + r.stride]);
  g.lea(r.scratch, g.ptr[r.w + 64]);
  g.tileloadd(cols[1], g.ptr[r.scratch + r.stride]);
  g.tileloadd(rows[0], g.ptr[r.a + r.lda]);
  product(0, 0);
  product(0, 1);
  if (high) {
    g.tileloadd(rows[1], g.ptr[r.a16 + r.lda]);
    product(1, 0);
    product(1, 1);
    g.add(r.a16, aStep);
  }
  g.add(r.a, aStep);
  g.add(r.w, static_cast<uint32_t>(wStep));
}

AmxPanelSet::AmxPanelSet(int ld)
    : RowCountKernels(kAmxPanelRows, [ld](int mr) { return std::make_unique<AmxPanelKernel>(mr, ld); }) {}

bool amxPanelsAllowed(const std::string& isaCap) {
  static const bool granted = requestAmx();
  return isaCap == "native" && granted;
}

}  // namespace q3c::xbyak
