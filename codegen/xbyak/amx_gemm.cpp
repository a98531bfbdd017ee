#include "codegen/xbyak/amx_gemm.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>

#include "codegen/xbyak/cpu.h"

namespace q3c::xbyak {

namespace {

bool grantTileState() {
  constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtileData = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtileData) == 0;
}

}  // namespace

const void* amxTileConfig() {
  static const AmxTileConfig cfg = [] {
    AmxTileConfig c;
    for (int t = 0; t < 8; ++t) {
      c.colsb[t] = 64;
      c.rows[t] = 16;
    }
    return c;
  }();
  return &cfg;
}

void emitAmxDot(Xbyak::CodeGenerator& g, AmxDot dot, const Xbyak::Tmm& acc, const Xbyak::Tmm& a, const Xbyak::Tmm& b) {
  if (dot == AmxDot::Bf16) g.tdpbf16ps(acc, a, b);
  else g.tdpbssd(acc, a, b);
}

AmxBlockKernel::AmxBlockKernel(const char* name, AmxDot dot) : Generator(name, 1024) {
  using namespace Xbyak;
  // rdi: args. tmm0..3 the 2 x 2 accumulators, tmm4/5 two 16-row weight tiles, tmm6/7 the
  // activation tile for m 0..15 and 16..31.
  const Reg64 w = rsi, stride = rdx, a = rcx, out = r8, k = r9, aStride = r10, off = r11;
  mov(rax, reinterpret_cast<uint64_t>(amxTileConfig()));
  ldtilecfg(ptr[rax]);
  mov(w, qword[rdi + offsetof(AmxGemmArgs, w)]);
  mov(stride, qword[rdi + offsetof(AmxGemmArgs, wStrideBytes)]);
  mov(a, qword[rdi + offsetof(AmxGemmArgs, aVnni)]);
  mov(out, qword[rdi + offsetof(AmxGemmArgs, out)]);
  mov(k, qword[rdi + offsetof(AmxGemmArgs, k)]);
  mov(aStride, 128);  // one K pair (bf16) or quad (int8) of 32 rows: 128 bytes
  for (int t = 0; t < 4; ++t) tilezero(Tmm(t));
  lea(rax, ptr[w + stride * 8]);
  lea(rax, ptr[rax + stride * 8]);  // row n0 + 16
  xor_(off, off);
  Label loop, done;
  test(k, k);
  jz(done, T_NEAR);
  L(loop);
  tileloadd(tmm4, ptr[w + stride]);
  tileloadd(tmm5, ptr[rax + stride]);
  tileloadd(tmm6, ptr[a + aStride]);
  lea(rdi, ptr[a + 64]);  // rdi (the args) is free once they are read
  tileloadd(tmm7, ptr[rdi + aStride]);
  const Tmm acc[4] = {tmm0, tmm1, tmm2, tmm3}, wt[2] = {tmm4, tmm5}, at[2] = {tmm6, tmm7};
  for (int t = 0; t < 4; ++t) emitAmxDot(*this, dot, acc[t], wt[t / 2], at[t % 2]);
  add(w, 64);  // 64 bytes of K: 32 bf16 or 64 int8
  add(rax, 64);
  add(a, 16 * 128);  // the 16 K pairs or quads of the packed block just used
  add(off, dot == AmxDot::Bf16 ? 32 : 64);
  cmp(off, k);
  jb(loop, T_NEAR);
  L(done);
  mov(rax, 128);
  tilestored(ptr[out + rax], tmm0);
  lea(rdi, ptr[out + 64]);
  tilestored(ptr[rdi + rax], tmm1);
  lea(rdi, ptr[out + 16 * 128]);
  tilestored(ptr[rdi + rax], tmm2);
  lea(rdi, ptr[out + 16 * 128 + 64]);
  tilestored(ptr[rdi + rax], tmm3);
  tilerelease();
  ret();
}

void packVnni(const uint16_t* a, int64_t lda, int64_t rows, int64_t K, uint16_t* dst) {
  for (int64_t kp = 0; kp < K / 2; ++kp)
    for (int64_t m = 0; m < 32; ++m) {
      const bool live = m < rows;
      dst[(kp * 32 + m) * 2] = live ? a[m * lda + 2 * kp] : 0;
      dst[(kp * 32 + m) * 2 + 1] = live ? a[m * lda + 2 * kp + 1] : 0;
    }
}

bool requestAmx() { return hostCpu().amxBf16 && grantTileState(); }

bool requestAmxInt8() { return hostCpu().amxInt8 && grantTileState(); }

}  // namespace q3c::xbyak
