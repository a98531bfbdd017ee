#include "codegen/xbyak/amx_int8_panel_tile.h"

#include <algorithm>
#include <cstddef>
#include <memory>

#include "frontend/error.h"

namespace q3c::xbyak {

AmxInt8PanelKernel::AmxInt8PanelKernel(int mr, int ld, int64_t group)
    : Generator("amx_panel_int8_" + std::to_string(mr) + "x32_ld" + std::to_string(ld) + "_g" + std::to_string(group),
                16384) {
  using namespace Xbyak;
  if (mr < 1 || mr > kAmxInt8PanelRows || ld <= 0 || ld % kAmxInt8PanelCols != 0)
    throw Error("AMX-INT8 panel tile: rows 1..32 and a panel of a positive multiple of 32 columns");
  if (group < 32 || group % 32 != 0) throw Error("AMX-INT8 panel tile for group " + std::to_string(group));
  // k per tdpbssd: 64 (a tile row of 64 codes), or 32 for groups of 32.
  const int step = group % 64 == 0 ? 64 : 32;
  const int steps = static_cast<int>(group / step);
  const int high = mr - std::min(mr, 16);
  configureAmxPanelTiles(config_, mr, step, step / 4);

  const int rowBytes = ld * 4;       // a row of ld sums, and a packed k quad of ld columns
  constexpr int kSumRowBytes = 128;  // the stack buffer: [32 rows][32 int32 sums]
  const Reg64 arg = rdi, a = rsi, lda = rdx, s = r8, w = r9, ws = r10, out = r11, groups = rax;
  const Reg64 stride = rcx, a16 = rbx, sums = r12, sumStride = r13, p = r14, sRow = r15;
  enter();
  mov(rbp, rsp);  // the buffer below the saved registers, 64-byte aligned (tilestored's lines)
  sub(rsp, 32 * kSumRowBytes);
  and_(rsp, -64);
  mov(sums, rsp);
  mov(p, reinterpret_cast<uint64_t>(&config_));
  ldtilecfg(ptr[p]);
  mov(a, qword[arg + offsetof(AmxInt8PanelArgs, a)]);
  mov(lda, qword[arg + offsetof(AmxInt8PanelArgs, ldaBytes)]);
  mov(s, qword[arg + offsetof(AmxInt8PanelArgs, s)]);
  mov(w, qword[arg + offsetof(AmxInt8PanelArgs, w)]);
  mov(ws, qword[arg + offsetof(AmxInt8PanelArgs, ws)]);
  mov(out, qword[arg + offsetof(AmxInt8PanelArgs, out)]);
  mov(groups, qword[arg + offsetof(AmxInt8PanelArgs, groups)]);
  mov(stride, rowBytes);
  mov(sumStride, kSumRowBytes);
  // A first chunk starts the sums from zero.
  Label resume, groupLoop;
  test(qword[arg + offsetof(AmxInt8PanelArgs, flags)], static_cast<uint32_t>(kAmxInt8PanelResume));
  jnz(resume, T_NEAR);
  vxorps(zmm0, zmm0, zmm0);
  for (int i = 0; i < mr; ++i)
    for (int h = 0; h < 2; ++h) vmovups(zword[out + i * rowBytes + h * 64], zmm0);
  L(resume);
  if (high) {
    lea(a16, ptr[a + lda * 8]);
    lea(a16, ptr[a16 + lda * 8]);
  }
  const int accs = high ? 4 : 2;
  L(groupLoop);
  {
    for (int t = 0; t < accs; ++t) tilezero(Tmm(t));
    for (int k = 0; k < steps; ++k)  // step codes of each activation row, the step / 4 quads of the chunk
      emitAmxPanelStep(*this, {w, stride, a, a16, lda, p}, AmxDot::Int8, high, step, step / 4 * rowBytes);
    // The group's int32 sums to the buffer, rows i at sums + i * 128.
    const int at[4] = {0, 64, 16 * kSumRowBytes, 16 * kSumRowBytes + 64};
    for (int t = 0; t < accs; ++t) {
      lea(p, ptr[sums + at[t]]);
      tilestored(ptr[p + sumStride], Tmm(t));
    }
    // out[i][c] += float(sum) * ws[c] * sa[i], as the int8 tile does it.
    mov(sRow, s);
    for (int i = 0; i < mr; ++i) {
      for (int h = 0; h < 2; ++h) {
        const Zmm v(2 * (i % 8) + h), o(16 + 2 * (i % 8) + h);
        vcvtdq2ps(v, zword[sums + i * kSumRowBytes + h * 64]);
        vmulps(v, v, zword[ws + h * 64]);
        vmovups(o, zword[out + i * rowBytes + h * 64]);
        vfmadd231ps(o, v, zword_b[sRow]);
        vmovups(zword[out + i * rowBytes + h * 64], o);
      }
      if (i + 1 < mr) add(sRow, lda);
    }
    add(s, 8);  // the records' next group entry
    add(ws, rowBytes);  // the next group's weight scales
    dec(groups);
    jnz(groupLoop, T_NEAR);
  }
  tilerelease();
  mov(rsp, rbp);
  leave();
  fn_ = finish<AmxInt8PanelFn>();
}

AmxInt8PanelSet::AmxInt8PanelSet(int ld, int64_t group)
    : RowCountKernels(kAmxInt8PanelRows,
                      [ld, group](int mr) { return std::make_unique<AmxInt8PanelKernel>(mr, ld, group); }) {}

bool amxInt8PanelsAllowed(const std::string& isaCap) {
  static const bool granted = requestAmxInt8();
  return isaCap == "native" && granted;
}

}  // namespace q3c::xbyak
