#include "codegen/llvm/target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/TargetParser/Host.h>

#include "frontend/error.h"

namespace q3c::llvmgen {

Target Target::detect(const std::string& isa) {
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  const bool hostAvx512 = host.lookup("avx512f") && host.lookup("avx512bw") && host.lookup("avx512vl");
  const bool hostAvx2 = host.lookup("avx2") && host.lookup("fma");
  Target t;
  if (isa == "avx512bf16" && !host.lookup("avx512bf16")) throw Error("--isa avx512bf16: this CPU has no AVX512-BF16");
  if (isa == "native" || isa == "avx512bf16") {  // avx512bf16: the host's code, no AMX tiles (xbyak)
    t.isa = hostAvx512 ? "avx512" : "avx2";
    if (!hostAvx2) throw Error("this CPU has no AVX2+FMA; q3c's LLVM backend needs at least AVX2");
    t.cpu = llvm::sys::getHostCPUName().str();
    std::string f;
    for (const auto& kv : host) f += (f.empty() ? "" : ",") + std::string(kv.second ? "+" : "-") + kv.first().str();
    t.features = f;
  } else if (isa == "avx512") {
    if (!hostAvx512) throw Error("--isa avx512: this CPU has no AVX-512 (F, BW, VL)");
    t.isa = isa;
    t.cpu = "x86-64-v4";
    t.features = "+avx512f,+avx512bw,+avx512vl,+avx512dq,+avx2,+fma,+f16c";
  } else if (isa == "avx2") {
    if (!hostAvx2) throw Error("--isa avx2: this CPU has no AVX2+FMA");
    t.isa = isa;
    t.cpu = "x86-64-v3";
    t.features = "+avx2,+fma,+f16c,-avx512f";
  } else {
    throw Error("unknown --isa '" + isa + "' (native, avx512bf16, avx512, avx2)");
  }
  t.hasAvx512 = t.isa == "avx512";
  t.vectorWidth = t.hasAvx512 ? 16 : 8;
  return t;
}

}  // namespace q3c::llvmgen
