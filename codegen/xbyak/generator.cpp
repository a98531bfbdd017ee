#include "codegen/xbyak/generator.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace q3c::xbyak {

Generator::Generator(std::string name, size_t maxBytes)
    : Xbyak::CodeGenerator(maxBytes, Xbyak::AutoGrow), name_(std::move(name)) {}

void Generator::enter() {
  push(rbx);
  push(rbp);
  push(r12);
  push(r13);
  push(r14);
  push(r15);
}

void Generator::leave() {
  pop(r15);
  pop(r14);
  pop(r13);
  pop(r12);
  pop(rbp);
  pop(rbx);
  vzeroupper();
  ret();
}

Xbyak::RegExp Generator::row(const Xbyak::Reg64& base, const Xbyak::Reg64& stride, const Xbyak::Reg64& stride3, int i) {
  switch (i) {
    case 0: return base;
    case 1: return base + stride;
    case 2: return base + stride * 2;
    default: return base + stride3;
  }
}

void Generator::announce() {
  static std::mutex mu;
  static std::FILE* map = nullptr;
  std::lock_guard<std::mutex> lock(mu);
  if (!map) map = std::fopen(("/tmp/perf-" + std::to_string(getpid()) + ".map").c_str(), "a");
  if (!map) return;
  std::fprintf(map, "%llx %zx q3c_xbyak_%s\n", static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(getCode())),
               getSize(), name_.c_str());
  std::fflush(map);
}

}  // namespace q3c::xbyak
