// The graph's constants, ready for kernels: mapped weights as they are, and the load-time ops
// evaluated once. scale_cols makes a new f32 tensor; quantize a new quantized one, part by part; concat_rows of same-dtype parts is kept as
// a list of row ranges (parts) instead of a copy, because copying gigabytes of weights at load
// is slow (first-touch page faults) and doubles memory; kernels read the parts in place.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "frontend/huge_pages.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "ir/quant.h"

namespace q3c {

struct ConstantPart {
  const uint8_t* data;
  int64_t rows;  // rows of the [N, K] tensor this part holds (1 for a vector)
  std::shared_ptr<const void> storage;  // keeps computed data alive (a vector or mapped pages)
};

struct ConstantData {
  ir::DType dtype = ir::DType::F32;
  ir::QuantFormat quant;            // for q8/q4: the layout of every row (ir/quant.h)
  std::vector<ConstantPart> parts;  // in row order; one part when contiguous
  const uint8_t* data = nullptr;    // the whole tensor when it is contiguous, else null
};

class ConstantTable {
 public:
  // `contiguous`: also copy concatenations into one buffer (for backends that need it).
  // Weights not in `weights` are looked up in `fallback` (the mapped files, when `weights` is
  // a resident copy of only the weights read at run time).
  ConstantTable(const ir::Graph& g, const WeightStore& weights, bool contiguous, const WeightStore* fallback = nullptr);

  bool has(ir::ValueId v) const { return v < static_cast<ir::ValueId>(table_.size()) && table_[v] != nullptr; }
  const ConstantData& at(ir::ValueId v) const;
  // The whole tensor in one buffer: the data itself, or a copy made once of its parts.
  const uint8_t* contiguous(ir::ValueId v) const;
  // Packs constant `v` (a [N, K] weight) to bf16, the layout of the bf16 dot kernels: a
  // rounded copy of each part when it is f32 or f16; nothing to do (no copy) when it is bf16.
  // Returns the bytes copied. Quantized constants are left as they are (0).
  int64_t packBf16(ir::ValueId v);
  // Bytes of one row of constant `v` (a [N, K] weight), quantized or not.
  int64_t rowBytes(ir::ValueId v) const;
  // Bytes the quantize nodes produced.
  int64_t quantizedBytes() const { return quantizedBytes_; }

 private:
  const ir::Graph& g_;
  std::vector<std::unique_ptr<ConstantData>> table_;
  mutable std::vector<std::unique_ptr<std::vector<uint8_t>>> copies_;  // contiguous() of split constants
  int64_t quantizedBytes_ = 0;
  std::vector<float> widened(ir::ValueId v) const;
  void quantize(const ir::Node& n, ConstantData& c);
};

}  // namespace q3c
