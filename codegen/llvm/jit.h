// Compiles LLVM modules to machine code for a Target and links them into this process (ORC),
// with an on-disk object cache keyed by target and kernel, so a second start compiles nothing.
// A model's kernels compile side by side, one thread each up to the host's threads (each in its
// own LLVMContext and TargetMachine), then link one after the other.
// No LLVM types in this header: including it costs nothing.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "codegen/llvm/target.h"

namespace llvm {
class Module;
class LLVMContext;
}  // namespace llvm

namespace q3c::llvmgen {

// A compiled kernel (see KernelBuilder): part `part` of `parts`, run by pool thread `thread`;
// `prepare` is nonzero for the first part that thread runs in this call.
using KernelFn = void (*)(void** ptrs, int64_t T, int64_t past, int64_t part, int64_t parts, int64_t thread,
                          int64_t prepare);

struct JitStats {
  int compiled = 0, fromCache = 0;
};

// One kernel to compile: `build` must define a function with the symbol it is given in the
// fresh module (it may run on any thread, alongside the other requests' builds).
struct KernelRequest {
  std::string name, cacheKey;
  std::function<void(llvm::Module&, const std::string& symbol)> build;
};

class Jit {
 public:
  // cacheDir empty: no disk cache.
  Jit(const Target& target, std::string cacheDir);
  ~Jit();

  // The kernels of the requests, in their order, on up to `threads` threads (0: the host's).
  // Each is named `name` made unique with a hash of `cacheKey`: from the cache when it was
  // compiled before for this target, else built by `build` into a fresh module, optimized at
  // O3 and compiled (then cached). The first error is thrown once all threads have stopped.
  std::vector<KernelFn> kernels(const std::vector<KernelRequest>& requests, int threads = 0);

  const JitStats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Target target_;
  std::string cacheDir_;
  JitStats stats_;
};

}  // namespace q3c::llvmgen
