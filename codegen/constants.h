// The graph's constants, ready for kernels: mapped weights as they are, and the load-time ops
// (scale_cols, concat_rows) evaluated once. Shared by every backend.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "frontend/weight_store.h"
#include "ir/graph.h"

namespace q3c {

struct ConstantData {
  const uint8_t* data = nullptr;  // points into the mapped file or into `owned`
  ir::DType dtype = ir::DType::F32;
  std::vector<uint8_t> owned;
};

class ConstantTable {
 public:
  // Evaluates every constant of `g`; intermediates that no kernel reads are dropped again.
  ConstantTable(const ir::Graph& g, const WeightStore& weights);

  bool has(ir::ValueId v) const { return v < static_cast<ir::ValueId>(table_.size()) && table_[v] != nullptr; }
  const ConstantData& at(ir::ValueId v) const;
  size_t ownedBytes() const;  // memory the evaluated constants take

 private:
  const ir::Graph& g_;
  std::vector<std::unique_ptr<ConstantData>> table_;
  std::vector<float> widened(ir::ValueId v) const;
};

}  // namespace q3c
