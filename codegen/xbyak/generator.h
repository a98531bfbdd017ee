// The base of every Xbyak kernel: a code buffer, the System V prologue and epilogue that save
// the callee-saved registers the kernel uses, and a name under which profilers see the code
// (/tmp/perf-PID.map, as for the LLVM kernels).
#pragma once
#include <xbyak/xbyak.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace q3c::xbyak {

class Generator : public Xbyak::CodeGenerator {
 public:
  Generator(std::string name, size_t maxBytes);
  const std::string& name() const { return name_; }

 protected:
  // Saves rbx, rbp and r12-r15 (all of them: six pushes cost nothing next to a kernel).
  void enter();
  // Restores them, clears the upper vector halves (so SSE code after us is not slowed) and
  // returns.
  void leave();
  // Row i (0..3) of an array whose rows are `stride` bytes apart, addressed from row 0 at
  // `base`; stride3 holds 3 * stride (x86 scales stop at 8, and 3 is not one).
  static Xbyak::RegExp row(const Xbyak::Reg64& base, const Xbyak::Reg64& stride, const Xbyak::Reg64& stride3, int i);
  // Makes the code executable and names it for profilers; call once, after the last
  // instruction.
  template <class Fn>
  Fn finish() {
    ready();
    announce();
    return getCode<Fn>();
  }

 private:
  std::string name_;
  void announce();
};

// One kernel family generated for every row count 1 .. rows, called through table()[mr - 1]:
// `make(mr)` returns the kernel for mr rows (a Generator with fn()). The kernels live as long
// as the table.
template <class Kernel>
class RowCountKernels {
 public:
  using Fn = decltype(std::declval<const Kernel&>().fn());
  template <class Make>
  RowCountKernels(int rows, Make make) {
    for (int mr = 1; mr <= rows; ++mr) {
      kernels_.push_back(make(mr));
      table_.push_back(kernels_.back()->fn());
    }
  }
  const Fn* table() const { return table_.data(); }

 private:
  std::vector<std::unique_ptr<Kernel>> kernels_;
  std::vector<Fn> table_;
};

}  // namespace q3c::xbyak
