// fold-rmsnorm-weight: rms_norm(x, g) whose value feeds only matmuls becomes normalize(x), and
// each of those matmuls gets the weight scale_cols(w, g), computed once at load. Only f32
// weights are folded: folding into bf16/f16 would either round (and lose the exact match) or
// widen the weight to f32 (and double the bytes read per token); those norms are left to
// prologue-rmsnorm, which applies g as it reads the input. A weight that anything else also
// reads (a tied embedding that is also the lm_head) is never folded.
#include <set>

#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

namespace {

bool foldable(const Rewriter& rw, const ir::Node& norm) {
  if (rw.isOutput(norm.result) || !rw.isConstant(norm.operands[1])) return false;
  if (rw.users(norm.result).empty()) return false;
  for (int u : rw.users(norm.result)) {
    const ir::Node& mm = rw.nodeAt(u);
    if (!isMatMulFamily(mm.op) || mm.operands[0] != norm.result || mm.hasAttr("norm_eps")) return false;
    ValueId w = mm.operands[1];
    if (!rw.isConstant(w) || rw.src().value(w).type.dtype != ir::DType::F32) return false;
    for (int wu : rw.users(w)) {  // the weight must serve only matmuls of this norm
      const ir::Node& other = rw.nodeAt(wu);
      if (!isMatMulFamily(other.op) || other.operands[0] != norm.result) return false;
    }
  }
  return true;
}

}  // namespace

ir::Graph foldRmsNormWeight(const ir::Graph& g) {
  Rewriter rw(g);
  std::map<ValueId, ValueId> folded;  // old norm value -> old norm weight
  return rw.run([&](const ir::Node& n) {
    if (n.op == OpKind::RmsNorm && foldable(rw, n)) {
      folded[n.result] = n.operands[1];
      rw.replace(n, OpKind::Normalize, {rw.mapped(n.operands[0])}, {{"eps", n.attrs.at("eps")}});
      return true;
    }
    if (isMatMulFamily(n.op) && folded.count(n.operands[0])) {
      std::vector<ValueId> operands = rw.mappedOperands(n);
      const std::string& wname = g.value(n.operands[1]).name;
      operands[1] = rw.emit(OpKind::ScaleCols, {operands[1], rw.mapped(folded[n.operands[0]])}, {}, wname + ".folded");
      rw.replace(n, n.op, operands, n.attrs);
      return true;
    }
    return false;
  });
}

}  // namespace q3c::passes
