#include "codegen/xbyak/cpu.h"

#include <unistd.h>

#include <cstring>

#include <xbyak/xbyak_util.h>

#include "frontend/error.h"

namespace q3c::xbyak {

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Bf16: return "avx512-bf16";
  }
  return "?";
}

namespace {

int64_t cacheBytes(int name, int64_t fallback) {
  long v = sysconf(name);
  return v > 0 ? v : fallback;
}

HostCpu detect() {
  using Xbyak::util::Cpu;
  Cpu cpu;
  HostCpu h;
  h.avx2 = cpu.has(Cpu::tAVX2);
  h.fma = cpu.has(Cpu::tFMA);
  h.f16c = cpu.has(Cpu::tF16C);
  h.avx512 = cpu.has(Cpu::tAVX512F) && cpu.has(Cpu::tAVX512BW) && cpu.has(Cpu::tAVX512VL) && cpu.has(Cpu::tAVX512DQ);
  h.avx512bf16 = h.avx512 && cpu.has(Cpu::tAVX512_BF16);
  h.avx512vnni = h.avx512 && cpu.has(Cpu::tAVX512_VNNI);
  h.amxBf16 = cpu.has(Cpu::tAMX_BF16);
  h.amxInt8 = cpu.has(Cpu::tAMX_INT8);
  h.l1d = cacheBytes(_SC_LEVEL1_DCACHE_SIZE, h.l1d);
  h.l2 = cacheBytes(_SC_LEVEL2_CACHE_SIZE, h.l2);
  h.l3 = cacheBytes(_SC_LEVEL3_CACHE_SIZE, h.l3);
  char brand[49] = {};
  uint32_t regs[4];
  for (uint32_t leaf = 0; leaf < 3; ++leaf) {
    Cpu::getCpuid(0x80000002 + leaf, regs);
    std::memcpy(brand + 16 * leaf, regs, 16);
  }
  h.brand = brand;
  while (!h.brand.empty() && h.brand.back() == ' ') h.brand.pop_back();
  return h;
}

}  // namespace

const HostCpu& hostCpu() {
  static const HostCpu h = detect();
  return h;
}

Isa selectIsa(const std::string& cap) {
  const HostCpu& h = hostCpu();
  const bool avx2 = h.avx2 && h.fma && h.f16c;
  if (cap == "native") {
    if (h.avx512bf16) return Isa::Avx512Bf16;
    if (h.avx512) return Isa::Avx512;
    if (avx2) return Isa::Avx2;
    throw Error("this CPU has no AVX2+FMA+F16C; q3c's x86 kernels need at least that");
  }
  if (cap == "avx512bf16") {  // native without AMX (see amx_panel_tile.h)
    if (!h.avx512bf16) throw Error("--isa avx512bf16: this CPU has no AVX512-BF16");
    return Isa::Avx512Bf16;
  }
  if (cap == "avx512") {
    if (!h.avx512) throw Error("--isa avx512: this CPU has no AVX-512 (F, BW, VL, DQ)");
    return Isa::Avx512;
  }
  if (cap == "avx2") {
    if (!avx2) throw Error("--isa avx2: this CPU has no AVX2+FMA+F16C");
    return Isa::Avx2;
  }
  throw Error("unknown --isa '" + cap + "' (native, avx512bf16, avx512, avx2)");
}

}  // namespace q3c::xbyak
