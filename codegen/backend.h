// The interface between a compiled graph and the runtime. A Backend turns a graph (and the
// weights its constants name) into an Executable; the runtime owns the KV cache and threads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "runtime/kv_cache.h"

namespace q3c {

class Executable {
 public:
  virtual ~Executable() = default;
  // Processes T new tokens at positions kv.length() .. kv.length()+T-1, appends their keys and
  // values, advances kv.length() by T, and returns the graph output (logits, [T, vocab]),
  // valid until the next call.
  virtual const float* run(const int32_t* ids, int64_t T, KvCache& kv) = 0;
  // A named value of the last run as f32 (for tests and debugging); empty when the backend
  // does not keep it.
  virtual std::vector<float> valueOf(const std::string& name) const { return {}; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Whether the pass pipeline runs before this backend unless the user says otherwise. The
  // reference interpreter runs the graph as built.
  virtual bool runsPassesByDefault() const { return true; }
  virtual std::unique_ptr<Executable> compile(const ir::Graph& g, const WeightStore& weights) = 0;
};

// "interp" for now; throws q3c::Error listing the known names.
std::unique_ptr<Backend> createBackend(const std::string& name);
std::vector<std::string> backendNames();

}  // namespace q3c
