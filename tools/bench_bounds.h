// The physical bounds `q3c bench` puts beside its figures: the memory read bandwidth and the
// work a token costs (bytes streamed in decode, FLOPs in prefill).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "codegen/xbyak/cpu.h"
#include "ir/graph.h"
#include "runtime/model.h"

namespace q3c::tools {

// Reads a 1 GB buffer (huge pages, touched once at construction, so no page faults are timed)
// on `threads` threads with the ISA's widest loads; measure() returns the GB/s of the better of
// two passes: one pass of ~20 ms here is often slowed by a vCPU stalled elsewhere, and decode
// was then seen to run above its "bound".
class BandwidthProbe {
 public:
  BandwidthProbe(int threads, xbyak::Isa isa);
  double measure() const;
  // GB/s of one plain read of `bytes` (as many passes over the buffer as that takes, the last
  // one partial), single-shot like a decode step: the streaming rate a decode step that did
  // nothing but read its bytes would have had.
  double readOnce(double bytes) const;

 private:
  int threads_;
  xbyak::Isa isa_;
  size_t bytes_;
  std::shared_ptr<uint8_t> data_;
};

struct TokenCost {
  double weightBytes;      // weights a decode step reads (each once; the lm_head's full matrix)
  double kvBytes;          // KV cache a decode step reads at the given context length
  double flops;            // FLOPs of one prefill token: 2 per weight of every product + attention
  double productParams;    // weights of the products (for bits per weight: weightBytes * 8 / this)
};

// From the compiled graph's products (matmul family and fused q/k/v) and the config; `context`
// is the average context length of the tokens measured, `outputRows` the share of tokens
// whose logits are computed (a chunked prefill computes one row per chunk).
TokenCost tokenCost(const Model& m, const ir::Graph& g, double context, double outputRows = 1.0);

}  // namespace q3c::tools
