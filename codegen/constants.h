// The graph's constants, ready for kernels: mapped weights as they are, and the load-time ops
// evaluated once. scale_cols makes a new f32 tensor; concat_rows of same-dtype parts is kept as
// a list of row ranges (parts) instead of a copy, because copying gigabytes of weights at load
// is slow (first-touch page faults) and doubles memory; kernels read the parts in place.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "frontend/weight_store.h"
#include "ir/graph.h"

namespace q3c {

struct ConstantPart {
  const uint8_t* data;
  int64_t rows;  // rows of the [N, K] tensor this part holds (1 for a vector)
  std::shared_ptr<const std::vector<uint8_t>> storage;  // keeps computed data alive
};

struct ConstantData {
  ir::DType dtype = ir::DType::F32;
  std::vector<ConstantPart> parts;  // in row order; one part when contiguous
  const uint8_t* data = nullptr;    // the whole tensor when it is contiguous, else null
};

class ConstantTable {
 public:
  // `contiguous`: also copy concatenations into one buffer (for backends that need it).
  ConstantTable(const ir::Graph& g, const WeightStore& weights, bool contiguous);

  bool has(ir::ValueId v) const { return v < static_cast<ir::ValueId>(table_.size()) && table_[v] != nullptr; }
  const ConstantData& at(ir::ValueId v) const;
  // The whole tensor in one buffer: the data itself, or a copy made once of its parts.
  const uint8_t* contiguous(ir::ValueId v) const;
  // Packs constant `v` (a [N, K] weight) to bf16, the layout of the bf16 dot kernels: a
  // rounded copy of each part when it is f32 or f16; nothing to do (no copy) when it is bf16.
  // Returns the bytes copied.
  int64_t packBf16(ir::ValueId v);

 private:
  const ir::Graph& g_;
  std::vector<std::unique_ptr<ConstantData>> table_;
  mutable std::vector<std::unique_ptr<std::vector<uint8_t>>> copies_;  // contiguous() of split constants
  std::vector<float> widened(ir::ValueId v) const;
};

}  // namespace q3c
