#include "codegen/xbyak/amx_int8_gemm.h"

#include <cstddef>

#include "codegen/xbyak/amx_gemm.h"

namespace q3c::xbyak {

AmxInt8GemmKernel::AmxInt8GemmKernel() : Generator("amx_gemm_int8_32x32", 1024) {
  using namespace Xbyak;
  // rdi: args. tmm0..3 the 2 x 2 int32 accumulators, tmm4/5 two 16-row weight tiles, tmm6/7
  // the activation tile for m 0..15 and 16..31.
  const Reg64 w = rsi, stride = rdx, a = rcx, out = r8, k = r9, aStride = r10, off = r11;
  mov(rax, reinterpret_cast<uint64_t>(amxTileConfig()));
  ldtilecfg(ptr[rax]);
  mov(w, qword[rdi + offsetof(AmxInt8GemmArgs, w)]);
  mov(stride, qword[rdi + offsetof(AmxInt8GemmArgs, wStrideBytes)]);
  mov(a, qword[rdi + offsetof(AmxInt8GemmArgs, aVnni4)]);
  mov(out, qword[rdi + offsetof(AmxInt8GemmArgs, out)]);
  mov(k, qword[rdi + offsetof(AmxInt8GemmArgs, k)]);
  mov(aStride, 128);  // one K quad of 32 rows: 32 x 4 bytes
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
  tdpbssd(tmm0, tmm4, tmm6);
  tdpbssd(tmm1, tmm4, tmm7);
  tdpbssd(tmm2, tmm5, tmm6);
  tdpbssd(tmm3, tmm5, tmm7);
  add(w, 64);  // 64 codes along K
  add(rax, 64);
  add(a, 16 * 128);  // 16 K quads of the packed block
  add(off, 64);
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
  fn_ = finish<AmxInt8GemmFn>();
}

void packVnni4(const int8_t* a, int64_t lda, int64_t rows, int64_t K, int8_t* dst) {
  for (int64_t kq = 0; kq < K / 4; ++kq)
    for (int64_t m = 0; m < 32; ++m)
      for (int64_t i = 0; i < 4; ++i) dst[(kq * 32 + m) * 4 + i] = m < rows ? a[m * lda + 4 * kq + i] : 0;
}

}  // namespace q3c::xbyak
