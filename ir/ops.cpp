#include "ir/ops.h"

namespace q3c::ir {

const std::vector<OpInfo>& allOps() {
  using A = AttrKind;
  static const std::vector<OpInfo> table = {
      {OpKind::Input, "input", 0, {{"name", A::String}}, true},
      {OpKind::Weight, "weight", 0, {{"name", A::String}}, true},
      {OpKind::Embed, "embed", 2, {}, false},
      {OpKind::RmsNorm, "rms_norm", 2, {{"eps", A::Float}}, false},
      {OpKind::MatMul, "matmul", 2, {}, false},
      {OpKind::Reshape, "reshape", 1, {}, true},
      {OpKind::Rope,
       "rope",
       1,
       {{"theta", A::Float},
        {"scaling", A::String},
        {"factor", A::Float},
        {"original_max_position", A::Int},
        {"beta_fast", A::Float},
        {"beta_slow", A::Float},
        {"attention_factor", A::Float},
        {"truncate", A::Int}},
       false},
      {OpKind::KvAppend, "kv_append", 1, {{"layer", A::Int}, {"slot", A::String}}, false},
      {OpKind::Attention, "attention", 3, {{"scale", A::Float}}, false},
      {OpKind::Silu, "silu", 1, {}, false},
      {OpKind::Mul, "mul", 2, {}, false},
      {OpKind::Add, "add", 2, {}, false},
  };
  return table;
}

const OpInfo& opInfo(OpKind k) { return allOps()[static_cast<size_t>(k)]; }

bool lookupOp(const std::string& name, OpKind& out) {
  for (const OpInfo& info : allOps())
    if (name == info.name) { out = info.kind; return true; }
  return false;
}

}  // namespace q3c::ir
