// The reference backend: runs the unfused graph node by node in fp32. It is the oracle that
// every other backend is tested against, and is itself tested against transformers.
#pragma once
#include "codegen/backend.h"

namespace q3c {

class InterpBackend : public Backend {
 public:
  std::string name() const override { return "interp"; }
  bool runsPassesByDefault() const override { return false; }
  std::unique_ptr<Executable> compile(const ir::Graph& g, const WeightStore& weights) override;
};

}  // namespace q3c
