// What the host CPU can run and how big its caches are: the facts the microkernels and the
// tiling cost model are specialized on. `--isa` caps the instruction set below the host's.
#pragma once
#include <cstdint>
#include <string>

namespace q3c::xbyak {

// Instruction-set levels of the x86 microkernels, lowest first.
enum class Isa {
  Avx2,        // AVX2 + FMA + F16C: 8 floats per register, 16 registers
  Avx512,      // AVX-512 F/BW/VL: 16 floats per register, 32 registers
  Avx512Bf16,  // AVX-512 with vdpbf16ps (bf16 pairs dotted into f32)
};
const char* isaName(Isa isa);

struct HostCpu {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512 = false;      // F, BW, VL and DQ
  bool avx512bf16 = false;  // vdpbf16ps
  bool avx512vnni = false;  // vpdpbusd on 512-bit registers
  bool amxBf16 = false;     // tdpbf16ps (the CPU has it; the OS may still refuse the tile state)
  bool amxInt8 = false;     // tdpbssd and its signed/unsigned siblings (likewise)
  int64_t l1d = 32 << 10, l2 = 1 << 20, l3 = 32 << 20;  // data cache bytes per core (L3: shared)
  std::string brand;
};
const HostCpu& hostCpu();

// The best level the host runs, capped by `cap` ("native"; "avx512bf16", which is native but
// for AMX; "avx512"; "avx2"). Throws q3c::Error for an unknown cap or one the host lacks.
Isa selectIsa(const std::string& cap);

}  // namespace q3c::xbyak
