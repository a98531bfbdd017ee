// Every weight tensor of a model, memory-mapped from one safetensors file or from the shards
// that model.safetensors.index.json names. Nothing is copied.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "frontend/safetensors.h"

namespace q3c {

class WeightStore {
 public:
  // DIR (with model.safetensors or model.safetensors.index.json) or one .safetensors file.
  static WeightStore open(const std::string& dirOrFile);

  const TensorView* find(const std::string& name) const;
  // The tensor, checked to have this shape and a float dtype; throws q3c::Error naming it.
  const TensorView& require(const std::string& name, const std::vector<int64_t>& shape) const;
  const std::map<std::string, const TensorView*>& tensors() const { return index_; }
  size_t totalBytes() const;
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
};

}  // namespace q3c
