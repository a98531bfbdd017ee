#include "frontend/qwen3_graph.h"

#include <cmath>

#include "ir/quant.h"

namespace q3c {

namespace {

using ir::Dim;
using ir::DType;
using ir::OpKind;
using ir::TensorType;
using ir::ValueId;

class Qwen3Builder {
 public:
  Qwen3Builder(const ModelConfig& cfg, const WeightStore& w) : c_(cfg), w_(w) { g_.name = "qwen3"; }

  ir::Graph build() {
    ValueId ids = g_.addNode(OpKind::Input, {}, {{"name", std::string("ids")}}, {DType::I32, {Dim::tokens()}}, "ids");
    ValueId embedTable = weight("model.embed_tokens.weight", {c_.vocabSize, c_.hiddenSize}, "embed_tokens");
    ValueId x = op(OpKind::Embed, {embedTable, ids}, {}, "hidden.0");
    for (int64_t i = 0; i < c_.numLayers; ++i) x = layer(i, x);
    ValueId normW = weight("model.norm.weight", {c_.hiddenSize}, "norm");
    x = op(OpKind::RmsNorm, {x, normW}, {{"eps", c_.rmsNormEps}}, "hidden." + std::to_string(c_.numLayers));
    ValueId head = c_.tieWordEmbeddings ? embedTable
                                        : weight("lm_head.weight", {c_.vocabSize, c_.hiddenSize}, "lm_head");
    g_.addOutput(op(OpKind::MatMul, {x, head}, {}, "logits"));
    ir::verify(g_);
    return std::move(g_);
  }

 private:
  const ModelConfig& c_;
  const WeightStore& w_;
  ir::Graph g_;

  ValueId weight(const std::string& name, std::vector<int64_t> shape, const std::string& valueName) {
    const TensorView& t = w_.require(name, shape);
    ir::Shape s;
    for (int64_t d : shape) s.push_back(Dim::of(d));
    std::map<std::string, ir::Attr> attrs = {{"name", name}};
    if (ir::isQuantized(t.dtype)) {
      attrs["quant"] = std::string(ir::quantSchemeName(t.quant.scheme));
      attrs["group"] = t.quant.group;
    }
    return g_.addNode(OpKind::Weight, {}, std::move(attrs), {t.dtype, s}, valueName);
  }

  ValueId op(OpKind k, std::vector<ValueId> operands, std::map<std::string, ir::Attr> attrs, const std::string& name) {
    TensorType t = ir::inferType(g_, k, operands, attrs);
    return g_.addNode(k, std::move(operands), std::move(attrs), t, name);
  }

  ValueId reshape(ValueId x, ir::Shape shape, const std::string& name) {
    return g_.addNode(OpKind::Reshape, {x}, {}, {DType::F32, std::move(shape)}, name);
  }

  ValueId layer(int64_t i, ValueId x) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const std::string v = "l" + std::to_string(i) + ".";
    const int64_t H = c_.hiddenSize, D = c_.headDim, NH = c_.numHeads, KV = c_.numKvHeads, I = c_.intermediateSize;
    const ir::Attr eps = c_.rmsNormEps;

    // Attention block.
    ValueId xn = op(OpKind::RmsNorm, {x, weight(p + "input_layernorm.weight", {H}, v + "input_norm")}, {{"eps", eps}},
                    v + "attn_in");
    auto project = [&](const char* proj, int64_t heads, const char* normName) {
      std::string base = std::string(proj);
      ValueId flat = op(OpKind::MatMul, {xn, weight(p + "self_attn." + base + "_proj.weight", {heads * D, H}, v + base + "_proj")},
                        {}, v + base + "_flat");
      ValueId shaped = reshape(flat, {Dim::tokens(), Dim::of(heads), Dim::of(D)}, v + base);
      if (!normName) return shaped;
      ValueId nw = weight(p + "self_attn." + normName + ".weight", {D}, v + normName);
      return op(OpKind::RmsNorm, {shaped, nw}, {{"eps", eps}}, v + base + "_normed");
    };
    ValueId q = project("q", NH, "q_norm");
    ValueId k = project("k", KV, "k_norm");
    ValueId val = project("v", KV, nullptr);
    q = op(OpKind::Rope, {q}, c_.rope.toAttrs(), v + "q_rope");
    k = op(OpKind::Rope, {k}, c_.rope.toAttrs(), v + "k_rope");
    ValueId kc = op(OpKind::KvAppend, {k}, {{"layer", i}, {"slot", std::string("k")}}, v + "k_cache");
    ValueId vc = op(OpKind::KvAppend, {val}, {{"layer", i}, {"slot", std::string("v")}}, v + "v_cache");
    ValueId att = op(OpKind::Attention, {q, kc, vc}, {{"scale", 1.0 / std::sqrt(static_cast<double>(D))}}, v + "attn");
    ValueId attFlat = reshape(att, {Dim::tokens(), Dim::of(NH * D)}, v + "attn_flat");
    ValueId o = op(OpKind::MatMul, {attFlat, weight(p + "self_attn.o_proj.weight", {H, NH * D}, v + "o_proj")}, {},
                   v + "attn_out");
    x = op(OpKind::Add, {x, o}, {}, v + "attn_res");

    // MLP block (SwiGLU).
    ValueId xm = op(OpKind::RmsNorm, {x, weight(p + "post_attention_layernorm.weight", {H}, v + "post_norm")},
                    {{"eps", eps}}, v + "mlp_in");
    ValueId gate = op(OpKind::MatMul, {xm, weight(p + "mlp.gate_proj.weight", {I, H}, v + "gate_proj")}, {}, v + "gate");
    ValueId up = op(OpKind::MatMul, {xm, weight(p + "mlp.up_proj.weight", {I, H}, v + "up_proj")}, {}, v + "up");
    ValueId act = op(OpKind::Mul, {op(OpKind::Silu, {gate}, {}, v + "gate_act"), up}, {}, v + "swiglu");
    ValueId down = op(OpKind::MatMul, {act, weight(p + "mlp.down_proj.weight", {H, I}, v + "down_proj")}, {}, v + "mlp_out");
    std::string outName = i + 1 < c_.numLayers ? "hidden." + std::to_string(i + 1) : v + "out";
    return op(OpKind::Add, {x, down}, {}, outName);
  }
};

}  // namespace

ir::Graph buildQwen3Graph(const ModelConfig& cfg, const WeightStore& weights) {
  return Qwen3Builder(cfg, weights).build();
}

}  // namespace q3c
