// The LLVM backend: every kernel of the (fused) graph generated as LLVM IR specialized on its
// static dims, optimized for the target CPU and compiled with ORC. Kernels with the same key
// (the layers of a model share shapes) compile once; compiled objects are cached on disk.
#pragma once
#include "codegen/backend.h"

namespace q3c {

class LlvmBackend : public Backend {
 public:
  LlvmBackend(BackendOptions opt, std::string name) : opt_(std::move(opt)), name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::unique_ptr<Executable> compile(const ir::Graph& g, const WeightStore& weights) override;

 private:
  BackendOptions opt_;
  std::string name_;
};

}  // namespace q3c
