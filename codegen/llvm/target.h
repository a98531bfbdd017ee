// The CPU the LLVM backend generates code for: the host, or the host capped to a lower ISA
// (--isa avx2 on an AVX-512 machine tests the AVX2 code here).
#pragma once
#include <string>

namespace q3c::llvmgen {

struct Target {
  std::string isa;       // "avx512" or "avx2"
  std::string cpu;       // LLVM CPU name
  std::string features;  // LLVM feature string, e.g. "+avx2,+fma,-avx512f"
  int vectorWidth = 8;   // floats per vector register
  bool hasAvx512 = false;

  // `isa`: "native" (the host), "avx512bf16" (the host; the cap only keeps the Xbyak tiles off
  // AMX), "avx512" or "avx2". Throws q3c::Error when the host lacks it.
  static Target detect(const std::string& isa);
  std::string key() const { return cpu + "|" + features; }  // what compiled code depends on
};

}  // namespace q3c::llvmgen
