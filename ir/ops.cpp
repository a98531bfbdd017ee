#include "ir/ops.h"

namespace q3c::ir {

const std::vector<AttrSpec>& commonAttrs() {
  static const std::vector<AttrSpec> attrs = {{"arena_offset", AttrKind::Int, false}};
  return attrs;
}

const std::vector<AttrSpec>& ropeAttrs() {
  using A = AttrKind;
  static const std::vector<AttrSpec> attrs = {
      {"theta", A::Float},          {"scaling", A::String},  {"factor", A::Float},
      {"original_max_position", A::Int}, {"beta_fast", A::Float}, {"beta_slow", A::Float},
      {"attention_factor", A::Float}, {"truncate", A::Int}};
  return attrs;
}

namespace {
std::vector<AttrSpec> join(std::vector<AttrSpec> a, const std::vector<AttrSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

const std::vector<OpInfo>& allOps() {
  using A = AttrKind;
  const AttrSpec normEps{"norm_eps", A::Float, false};  // prologue: normalize input rows first
  static const std::vector<OpInfo> table = {
      {OpKind::Input, "input", 0, false, {{"name", A::String}}, true},
      {OpKind::Weight, "weight", 0, false, {{"name", A::String}, {"quant", A::String, false}, {"group", A::Int, false}}, true},
      {OpKind::Embed, "embed", 2, false, {}, false},
      {OpKind::RmsNorm, "rms_norm", 2, false, {{"eps", A::Float}}, false},
      {OpKind::MatMul, "matmul", 2, true, {normEps}, false},
      {OpKind::Reshape, "reshape", 1, false, {}, true},
      {OpKind::Rope, "rope", 1, false, ropeAttrs(), false},
      {OpKind::KvAppend, "kv_append", 1, false, {{"layer", A::Int}, {"slot", A::String}}, false},
      {OpKind::Attention, "attention", 3, false, {{"scale", A::Float}}, false},
      {OpKind::Silu, "silu", 1, false, {}, false},
      {OpKind::Mul, "mul", 2, false, {}, false},
      {OpKind::Add, "add", 2, false, {}, false},
      {OpKind::ScaleCols, "scale_cols", 2, false, {}, false},
      {OpKind::ConcatRows, "concat_rows", -1, false, {}, false},
      {OpKind::Quantize, "quantize", 1, false, {{"quant", A::String}, {"group", A::Int}}, false},
      {OpKind::Normalize, "normalize", 1, false, {{"eps", A::Float}}, false},
      {OpKind::SliceCols, "slice_cols", 1, false, {{"begin", A::Int}, {"end", A::Int}}, false},
      {OpKind::MatMulSwiglu, "matmul_swiglu", 2, true, {normEps}, false},
      {OpKind::MatMulAdd, "matmul_add", 3, true, {normEps}, false},
      {OpKind::QkvRopeKv, "qkv_rope_kv", 4, true,
       join({{"heads", A::Int}, {"kv_heads", A::Int}, {"eps", A::Float}, {"layer", A::Int}, normEps}, ropeAttrs()),
       false},
      {OpKind::KvRead, "kv_read", 1, false,
       {{"layer", A::Int}, {"slot", A::String}, {"kv_heads", A::Int}, {"head_dim", A::Int}},
       false},
      {OpKind::FlashAttention, "flash_attention", 3, false, {{"scale", A::Float}, {"block", A::Int}, {"splits", A::Int}},
       false},
  };
  return table;
}

const OpInfo& opInfo(OpKind k) { return allOps()[static_cast<size_t>(k)]; }

bool isWeightProduct(OpKind k) {
  return k == OpKind::MatMul || k == OpKind::MatMulAdd || k == OpKind::MatMulSwiglu || k == OpKind::QkvRopeKv;
}

bool lookupOp(const std::string& name, OpKind& out) {
  for (const OpInfo& info : allOps())
    if (name == info.name) { out = info.kind; return true; }
  return false;
}

}  // namespace q3c::ir
