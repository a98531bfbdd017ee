#include "codegen/xbyak/amx_panel_tile.h"

#include <algorithm>
#include <stdexcept>

namespace q3c::xbyak {

AmxPanelKernel::AmxPanelKernel(int mr, int ld)
    : Generator("amx_panel_bf16_" + std::to_string(mr) + "x32_ld" + std::to_string(ld), 1024) {
  using namespace Xbyak;
  if (mr < 1 || mr > kAmxPanelRows || ld % kAmxPanelCols != 0 || ld <= 0)
    throw std::invalid_argument("AmxPanelKernel: mr 1..32 and ld a positive multiple of 32");
  // Tiles: 0..3 the accumulators (rows 0..15 x columns 0..15, 0..15 x 16..31, 16.. x 0..15,
  // 16.. x 16..31), 4 and 5 the activation rows 0..15 and 16.., 6 and 7 the weight columns
  // 0..15 and 16..31.
  const int low = std::min(mr, 16), high = mr - low;
  auto tile = [&](int t, int rows) {
    config_.rows[t] = static_cast<uint8_t>(rows);
    config_.colsb[t] = rows ? 64 : 0;
  };
  for (int t : {0, 1, 4}) tile(t, low);
  for (int t : {2, 3, 5}) tile(t, high);
  for (int t : {6, 7}) tile(t, 16);

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
  tileloadd(tmm6, ptr[w + stride]);
  lea(rax, ptr[w + 64]);
  tileloadd(tmm7, ptr[rax + stride]);
  tileloadd(tmm4, ptr[a + lda]);
  tdpbf16ps(tmm0, tmm4, tmm6);
  tdpbf16ps(tmm1, tmm4, tmm7);
  if (high) {
    tileloadd(tmm5, ptr[a16 + lda]);
    tdpbf16ps(tmm2, tmm5, tmm6);
    tdpbf16ps(tmm3, tmm5, tmm7);
    add(a16, 64);
  }
  add(a, 64);          // 32 k of each activation row
  add(w, 16 * ld * 4);  // the 16 k pairs just used
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

AmxPanelSet::AmxPanelSet(int ld)
    : RowCountKernels(kAmxPanelRows, [ld](int mr) { return std::make_unique<AmxPanelKernel>(mr, ld); }) {}

bool amxPanelsAllowed(const std::string& isaCap) {
  static const bool granted = requestAmx();
  return isaCap == "native" && granted;
}

}  // namespace q3c::xbyak
