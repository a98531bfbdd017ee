#include "codegen/interp/interpreter.h"

#include <cmath>
#include <cstring>
#include <map>

#include "codegen/constants.h"
#include "codegen/interp/reference_ops.h"
#include "frontend/error.h"
#include "ir/rope.h"

namespace q3c {

namespace {

using ir::OpKind;

class InterpExecutable : public Executable {
 public:
  InterpExecutable(const ir::Graph& g, const WeightStore& weights)
      : g_(verified(g)), constants_(g_, weights, /*contiguous=*/true) {
    for (const ir::Node& n : g_.nodes())
      if (n.op == OpKind::Rope || n.op == OpKind::QkvRopeKv)
        invFreq_[n.result] = ir::ropeInvFreq(ir::RopeParams::fromNode(n), headDim(n));
  }

  const float* run(const int32_t* ids, int64_t T, KvCache& kv, ThreadPool*, OutputRows rows) override {  // one thread: the reference
    const int64_t past = kv.length(), C = past + T;
    if (C > kv.capacity())
      throw Error("context full: " + std::to_string(C) + " positions needed, the KV cache holds " +
                  std::to_string(kv.capacity()));
    owned_.assign(g_.values().size(), {});
    data_.assign(g_.values().size(), nullptr);
    lastT_ = T;
    lastC_ = C;
    for (const ir::Node& n : g_.nodes()) execute(n, ids, T, past, C, kv);
    kv.setLength(C);
    const float* out = data_[g_.outputs()[0]];
    return rows == OutputRows::Last ? out + (T - 1) * g_.value(g_.outputs()[0]).type.numel(1, 0) : out;
  }

  std::vector<float> valueOf(const std::string& name) const override {
    ir::ValueId v = g_.findValue(name);
    if (v < 0 || !data_[v]) return {};
    int64_t n = g_.value(v).type.numel(lastT_, lastC_);
    return std::vector<float>(data_[v], data_[v] + n);
  }

 private:
  static const ir::Graph& verified(const ir::Graph& g) {
    ir::verify(g);
    if (g.outputs().size() != 1) throw Error("interp runs graphs with one output");
    return g;
  }

  ir::Graph g_;
  ConstantTable constants_;
  std::map<ir::ValueId, std::vector<float>> invFreq_;
  std::vector<std::vector<float>> owned_;  // per value: storage the interpreter allocated
  std::vector<float*> data_;              // per value: where its f32 elements are
  int64_t lastT_ = 0, lastC_ = 0;

  int64_t headDim(const ir::Node& n) const { return g_.value(n.result).type.shape[2].value; }

  const ConstantData& constant(ir::ValueId v) const { return constants_.at(v); }

  float* allocate(ir::ValueId v, int64_t T, int64_t C) {
    owned_[v].resize(static_cast<size_t>(g_.value(v).type.numel(T, C)));
    return data_[v] = owned_[v].data();
  }

  // An operand as f32: an activation, or a constant widened for this run (small ones only:
  // norm vectors; matmul weights are read in place).
  const float* f32Operand(ir::ValueId v, int64_t T, int64_t C) {
    if (data_[v]) return data_[v];
    const ConstantData& c = constant(v);
    float* out = allocate(v, T, C);
    ref::widen(c.data, c.dtype, g_.value(v).type.numel(T, C), out);
    return out;
  }

  // x (normalized first when the node carries a fused RMSNorm prologue) times w.
  std::vector<float> product(const ir::Node& n, int64_t T, int64_t C, int64_t& M, int64_t& N) {
    const ir::TensorType& xt = g_.value(n.operands[0]).type;
    const ir::TensorType& wt = g_.value(n.operands[1]).type;
    const int64_t K = xt.shape.back().value;
    N = wt.shape[0].value;
    M = xt.numel(T, C) / K;
    const float* x = f32Operand(n.operands[0], T, C);
    std::vector<float> normed;
    if (n.hasAttr("norm_eps")) {
      const bool weighted = static_cast<int>(n.operands.size()) == ir::opInfo(n.op).numOperands + 1;
      normed.resize(static_cast<size_t>(M * K));
      ref::rmsNorm(x, weighted ? f32Operand(n.operands.back(), T, C) : nullptr, M, K,
                   static_cast<float>(n.attrFloat("norm_eps")), normed.data());
      x = normed.data();
    }
    const ConstantData& w = constant(n.operands[1]);
    std::vector<float> out(static_cast<size_t>(M * N));
    ref::matmul(x, M, K, {w.data, w.dtype, w.quant}, N, out.data());
    return out;
  }

  void execute(const ir::Node& n, const int32_t* ids, int64_t T, int64_t past, int64_t C, KvCache& kv) {
    const ir::TensorType& type = g_.value(n.result).type;
    auto operand = [&](int i) { return f32Operand(n.operands[i], T, C); };
    auto lastDim = [](const ir::TensorType& t) { return t.shape.back().value; };
    const int64_t numel = type.numel(T, C);
    switch (n.op) {
      case OpKind::Input:
        return;  // the token ids; embed reads them directly
      case OpKind::Weight:
      case OpKind::ScaleCols:
      case OpKind::ConcatRows:
      case OpKind::Quantize:
        return;  // constants, ready since compile
      case OpKind::Embed: {
        const ConstantData& table = constant(n.operands[0]);
        ref::embed({table.data, table.dtype, table.quant}, lastDim(type), ids, T, allocate(n.result, T, C));
        return;
      }
      case OpKind::RmsNorm: {
        const int64_t d = lastDim(type);
        ref::rmsNorm(operand(0), operand(1), numel / d, d, static_cast<float>(n.attrFloat("eps")),
                     allocate(n.result, T, C));
        return;
      }
      case OpKind::Normalize: {
        const int64_t d = lastDim(type);
        ref::normalize(operand(0), numel / d, d, static_cast<float>(n.attrFloat("eps")), allocate(n.result, T, C));
        return;
      }
      case OpKind::MatMul: {
        int64_t M, N;
        std::vector<float> p = product(n, T, C, M, N);
        std::copy(p.begin(), p.end(), allocate(n.result, T, C));
        return;
      }
      case OpKind::MatMulAdd: {
        int64_t M, N;
        std::vector<float> p = product(n, T, C, M, N);
        ref::add(p.data(), operand(2), M * N, allocate(n.result, T, C));
        return;
      }
      case OpKind::MatMulSwiglu: {
        int64_t M, N;
        std::vector<float> p = product(n, T, C, M, N);
        const int64_t I = N / 2;
        float* out = allocate(n.result, T, C);
        for (int64_t m = 0; m < M; ++m) {
          ref::silu(p.data() + m * N, I, out + m * I);
          ref::mul(out + m * I, p.data() + m * N + I, I, out + m * I);
        }
        return;
      }
      case OpKind::QkvRopeKv:
        qkvRopeKv(n, T, past, C, kv);
        return;
      case OpKind::SliceCols: {
        const ir::TensorType& xt = g_.value(n.operands[0]).type;
        const int64_t inN = lastDim(xt), outN = lastDim(type), begin = n.attrInt("begin");
        const float* x = operand(0);
        float* out = allocate(n.result, T, C);
        for (int64_t r = 0; r < numel / outN; ++r) std::copy(x + r * inN + begin, x + r * inN + begin + outN, out + r * outN);
        return;
      }
      case OpKind::Reshape:
        data_[n.result] = data_[n.operands[0]];  // same elements, new shape
        return;
      case OpKind::Rope: {
        const int64_t H = type.shape[1].value, D = type.shape[2].value;
        float* out = allocate(n.result, T, C);
        std::copy(operand(0), operand(0) + numel, out);
        const std::vector<float>& inv = invFreq_.at(n.result);
        const float attentionFactor = static_cast<float>(n.attrFloat("attention_factor"));
        for (int64_t t = 0; t < T; ++t) ir::applyRope(out + t * H * D, H, D, past + t, inv.data(), attentionFactor);
        return;
      }
      case OpKind::KvAppend: {
        const int64_t row = type.shape[1].value * type.shape[2].value;
        float* cache = kv.slot(n.attrInt("layer"), n.attrString("slot") == "k" ? 0 : 1);
        std::copy(operand(0), operand(0) + T * row, cache + past * row);
        data_[n.result] = cache;  // the whole cache, positions 0 .. C-1
        return;
      }
      case OpKind::KvRead:
        data_[n.result] = kv.slot(n.attrInt("layer"), n.attrString("slot") == "k" ? 0 : 1);
        return;
      case OpKind::Attention:
      case OpKind::FlashAttention: {
        const ir::TensorType& kt = g_.value(n.operands[1]).type;
        const int64_t H = type.shape[1].value, KV = kt.shape[1].value, D = type.shape[2].value;
        const float scale = static_cast<float>(n.attrFloat("scale"));
        float* out = allocate(n.result, T, C);
        if (n.op == OpKind::Attention)
          ref::attention(operand(0), operand(1), operand(2), T, C, H, KV, D, scale, out);
        else  // the decode form splits the context; a prefill runs it whole
          ref::flashAttention(operand(0), operand(1), operand(2), T, C, H, KV, D, scale, n.attrInt("block"),
                              T == 1 ? n.attrInt("splits") : 1, out);
        return;
      }
      case OpKind::Silu:
        ref::silu(operand(0), numel, allocate(n.result, T, C));
        return;
      case OpKind::Mul:
        ref::mul(operand(0), operand(1), numel, allocate(n.result, T, C));
        return;
      case OpKind::Add:
        ref::add(operand(0), operand(1), numel, allocate(n.result, T, C));
        return;
    }
  }

  // One matmul gives q, k and v for every head; q and k are normalized per head and rotated,
  // k and v go to the cache, q is the result.
  void qkvRopeKv(const ir::Node& n, int64_t T, int64_t past, int64_t C, KvCache& kv) {
    int64_t M, N;
    std::vector<float> p = product(n, T, C, M, N);
    const int64_t H = n.attrInt("heads"), KV = n.attrInt("kv_heads"), D = headDim(n);
    const float eps = static_cast<float>(n.attrFloat("eps"));
    const float attentionFactor = static_cast<float>(n.attrFloat("attention_factor"));
    const float* qn = f32Operand(n.operands[2], T, C);
    const float* kn = f32Operand(n.operands[3], T, C);
    const std::vector<float>& inv = invFreq_.at(n.result);
    float* q = allocate(n.result, T, C);
    float* kc = kv.slot(n.attrInt("layer"), 0) + past * KV * D;
    float* vc = kv.slot(n.attrInt("layer"), 1) + past * KV * D;
    for (int64_t t = 0; t < T; ++t) {
      const float* row = p.data() + t * N;
      ref::rmsNorm(row, qn, H, D, eps, q + t * H * D);
      ir::applyRope(q + t * H * D, H, D, past + t, inv.data(), attentionFactor);
      ref::rmsNorm(row + H * D, kn, KV, D, eps, kc + t * KV * D);
      ir::applyRope(kc + t * KV * D, KV, D, past + t, inv.data(), attentionFactor);
      std::copy(row + (H + KV) * D, row + (H + 2 * KV) * D, vc + t * KV * D);
    }
  }
};

}  // namespace

std::unique_ptr<Executable> InterpBackend::compile(const ir::Graph& g, const WeightStore& weights) {
  return std::make_unique<InterpExecutable>(g, weights);
}

}  // namespace q3c
