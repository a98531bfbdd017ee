#include "codegen/interp/interpreter.h"

#include <cmath>
#include <map>

#include "codegen/interp/reference_ops.h"
#include "frontend/error.h"
#include "ir/rope.h"

namespace q3c {

namespace {

class InterpExecutable : public Executable {
 public:
  InterpExecutable(const ir::Graph& g, const WeightStore& weights) : g_(g) {
    ir::verify(g_);
    weights_.resize(g_.values().size(), nullptr);
    for (const ir::Node& n : g_.nodes()) {
      if (n.op == ir::OpKind::Weight) {
        const TensorView* t = weights.find(n.attrString("name"));
        if (!t) throw Error("graph names weight '" + n.attrString("name") + "', which the model does not have");
        weights_[n.result] = t;
      }
      if (n.op == ir::OpKind::Rope) {
        const int64_t D = g_.value(n.result).type.shape[2].value;
        invFreq_[n.result] = ir::ropeInvFreq(ir::RopeParams::fromNode(n), D);
      }
    }
    if (g_.outputs().size() != 1) throw Error("interp runs graphs with one output");
  }

  const float* run(const int32_t* ids, int64_t T, KvCache& kv) override {
    const int64_t past = kv.length(), C = past + T;
    if (C > kv.capacity())
      throw Error("context full: " + std::to_string(C) + " positions needed, the KV cache holds " +
                  std::to_string(kv.capacity()));
    owned_.assign(g_.values().size(), {});
    data_.assign(g_.values().size(), nullptr);
    for (const ir::Node& n : g_.nodes()) execute(n, ids, T, past, C, kv);
    kv.setLength(C);
    return data_[g_.outputs()[0]];
  }

  std::vector<float> valueOf(const std::string& name) const override {
    ir::ValueId v = g_.findValue(name);
    if (v < 0 || !data_[v]) return {};
    int64_t n = g_.value(v).type.numel(lastT_, lastC_);
    return std::vector<float>(data_[v], data_[v] + n);
  }

 private:
  ir::Graph g_;
  std::vector<const TensorView*> weights_;  // per value: the weight a Weight node names
  std::map<ir::ValueId, std::vector<float>> invFreq_;
  std::vector<std::vector<float>> owned_;  // per value: storage the interpreter allocated
  std::vector<float*> data_;              // per value: where its f32 elements are
  int64_t lastT_ = 0, lastC_ = 0;

  float* allocate(ir::ValueId v, int64_t T, int64_t C) {
    owned_[v].resize(static_cast<size_t>(g_.value(v).type.numel(T, C)));
    return data_[v] = owned_[v].data();
  }

  // A weight or activation operand as f32 (small weights such as norm vectors are widened).
  const float* f32Operand(ir::ValueId v, int64_t T, int64_t C) {
    if (data_[v]) return data_[v];
    const TensorView* w = weights_[v];
    float* out = allocate(v, T, C);
    ref::widen(w->data, w->dtype, w->numel(), out);
    return out;
  }

  void execute(const ir::Node& n, const int32_t* ids, int64_t T, int64_t past, int64_t C, KvCache& kv) {
    lastT_ = T;
    lastC_ = C;
    const ir::TensorType& type = g_.value(n.result).type;
    auto operand = [&](int i) { return f32Operand(n.operands[i], T, C); };
    auto lastDim = [](const ir::TensorType& t) { return t.shape.back().value; };
    const int64_t numel = type.numel(T, C);
    switch (n.op) {
      case ir::OpKind::Input:
        return;  // the token ids; embed reads them directly
      case ir::OpKind::Weight:
        return;  // read lazily by the ops that use it
      case ir::OpKind::Embed: {
        const TensorView* table = weights_[n.operands[0]];
        ref::embed(table->data, table->dtype, table->shape[1], ids, T, allocate(n.result, T, C));
        return;
      }
      case ir::OpKind::RmsNorm: {
        const int64_t d = lastDim(type);
        ref::rmsNorm(operand(0), operand(1), numel / d, d, static_cast<float>(n.attrFloat("eps")),
                     allocate(n.result, T, C));
        return;
      }
      case ir::OpKind::MatMul: {
        const TensorView* w = weights_[n.operands[1]];
        const ir::TensorType& xt = g_.value(n.operands[0]).type;
        const int64_t K = lastDim(xt), N = lastDim(type);
        ref::matmul(operand(0), numel / N, K, w->data, w->dtype, N, allocate(n.result, T, C));
        return;
      }
      case ir::OpKind::Reshape:
        data_[n.result] = data_[n.operands[0]];  // same elements, new shape
        return;
      case ir::OpKind::Rope: {
        const int64_t H = type.shape[1].value, D = type.shape[2].value;
        float* out = allocate(n.result, T, C);
        std::copy(operand(0), operand(0) + numel, out);
        const std::vector<float>& inv = invFreq_.at(n.result);
        const float attentionFactor = static_cast<float>(n.attrFloat("attention_factor"));
        for (int64_t t = 0; t < T; ++t) ir::applyRope(out + t * H * D, H, D, past + t, inv.data(), attentionFactor);
        return;
      }
      case ir::OpKind::KvAppend: {
        const int64_t row = type.shape[1].value * type.shape[2].value;
        float* cache = kv.slot(n.attrInt("layer"), n.attrString("slot") == "k" ? 0 : 1);
        std::copy(operand(0), operand(0) + T * row, cache + past * row);
        data_[n.result] = cache;  // the whole cache, positions 0 .. C-1
        return;
      }
      case ir::OpKind::Attention: {
        const ir::TensorType& kt = g_.value(n.operands[1]).type;
        ref::attention(operand(0), operand(1), operand(2), T, C, type.shape[1].value, kt.shape[1].value,
                       type.shape[2].value, static_cast<float>(n.attrFloat("scale")), allocate(n.result, T, C));
        return;
      }
      case ir::OpKind::Silu:
        ref::silu(operand(0), numel, allocate(n.result, T, C));
        return;
      case ir::OpKind::Mul:
        ref::mul(operand(0), operand(1), numel, allocate(n.result, T, C));
        return;
      case ir::OpKind::Add:
        ref::add(operand(0), operand(1), numel, allocate(n.result, T, C));
        return;
    }
  }
};

}  // namespace

std::unique_ptr<Executable> InterpBackend::compile(const ir::Graph& g, const WeightStore& weights) {
  return std::make_unique<InterpExecutable>(g, weights);
}

}  // namespace q3c
