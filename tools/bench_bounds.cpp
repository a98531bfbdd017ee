#include "tools/bench_bounds.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "ir/quant.h"

#include "codegen/xbyak/peak.h"
#include "frontend/huge_pages.h"

namespace q3c::tools {

BandwidthProbe::BandwidthProbe(int threads, xbyak::Isa isa)
    : threads_(std::max(1, threads)), isa_(isa), bytes_(size_t(1) << 30),
      data_(mapHugePages(bytes_, "the bandwidth probe")) {  // huge pages, like the weights
  float* f = reinterpret_cast<float*>(data_.get());
  std::fill(f, f + bytes_ / sizeof(float), 1.0f);
}

double BandwidthProbe::measure() const {
  const double first = xbyak::readBandwidth(isa_, data_.get(), bytes_, threads_);
  return std::max(first, xbyak::readBandwidth(isa_, data_.get(), bytes_, threads_));
}

double BandwidthProbe::readOnce(double bytes) const {
  auto now = [] { return std::chrono::steady_clock::now(); };
  const auto t0 = now();
  double done = 0;
  while (done < bytes) {  // passes of at least 1 MB (readBandwidth splits one in whole KB)
    const size_t pass = static_cast<size_t>(std::clamp(bytes - done, 1.0 * (1 << 20), static_cast<double>(bytes_)));
    xbyak::readBandwidth(isa_, data_.get(), pass, threads_);
    done += static_cast<double>(pass);
  }
  return done / std::chrono::duration<double>(now() - t0).count() * 1e-9;
}

TokenCost tokenCost(const Model& m, const ir::Graph& g, double context, double outputRows) {
  const ModelConfig& c = m.config;
  TokenCost t{};
  // Bytes of every constant the run-time nodes read, each once, in the form the compiled graph
  // holds it (quantized rows included): a product reads all its weight rows, an embedding one.
  // A constant with several readers counts its largest read: tied embeddings are one matrix
  // that the embedding reads a row of and the lm_head all of (counting the first reader only
  // left the lm_head out of every tied model's bound).
  auto isConstant = [&](ir::ValueId v) {
    const ir::OpKind k = g.producer(v).op;
    return k == ir::OpKind::Weight || k == ir::OpKind::ScaleCols || k == ir::OpKind::ConcatRows || k == ir::OpKind::Quantize;
  };
  std::map<ir::ValueId, double> bytesRead;
  std::set<ir::ValueId> productWeightsSeen;
  for (const ir::Node& n : g.nodes()) {
    if (isConstant(n.result)) continue;
    for (size_t i = 0; i < n.operands.size(); ++i) {
      const ir::ValueId v = n.operands[i];
      if (!isConstant(v)) continue;
      const ir::TensorType& w = g.value(v).type;
      double bytes = static_cast<double>(w.numel(1, 1) * ir::dtypeSize(w.dtype));
      if (w.shape.size() == 2 && (n.op == ir::OpKind::Embed || (ir::isWeightProduct(n.op) && i == 1))) {
        const double row = static_cast<double>(ir::weightRowBytes(g, v, w.shape[1].value));
        bytes = n.op == ir::OpKind::Embed ? row : row * static_cast<double>(w.shape[0].value);
        if (n.op != ir::OpKind::Embed && productWeightsSeen.insert(v).second)
          t.productParams += static_cast<double>(w.shape[0].value * w.shape[1].value);
      }
      bytesRead[v] = std::max(bytesRead[v], bytes);
    }
  }
  for (const auto& [v, bytes] : bytesRead) t.weightBytes += bytes;
  t.kvBytes = 2.0 * c.numLayers * c.numKvHeads * c.headDim * context * sizeof(float);
  double productWeights = 0;
  for (const ir::Node& n : g.nodes())
    if (ir::isWeightProduct(n.op)) {
      const ir::TensorType& w = g.value(n.operands[1]).type;
      const double rows = n.result == g.outputs()[0] ? outputRows : 1.0;
      productWeights += rows * static_cast<double>(w.shape[0].value) * static_cast<double>(w.shape[1].value);
    }
  // Scores and the weighted sum of values: 2 x 2 x heads x head_dim FLOPs per past position.
  t.flops = 2 * productWeights + 4.0 * c.numLayers * c.numHeads * c.headDim * context;
  return t;
}

}  // namespace q3c::tools
