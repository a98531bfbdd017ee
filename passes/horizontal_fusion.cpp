// horizontal-fusion: plain matmuls that read the same input with constant weights become one
// matmul against the stacked weights (concat_rows, built once at load), followed by a
// slice_cols per original product. In Qwen3: q/k/v projections, and gate/up.
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

ir::Graph horizontalFusion(const ir::Graph& g) {
  Rewriter rw(g);
  auto fusible = [&](const ir::Node& n) {
    return n.op == OpKind::MatMul && !n.hasAttr("norm_eps") && rw.isConstant(n.operands[1]);
  };
  return rw.run([&](const ir::Node& n) {
    if (!fusible(n)) return false;
    std::vector<const ir::Node*> group;  // in graph order, n first
    for (int u : rw.users(n.operands[0])) {
      const ir::Node& other = rw.nodeAt(u);
      if (fusible(other) && other.operands[0] == n.operands[0]) group.push_back(&other);
    }
    if (group.size() < 2 || group[0] != &n) return false;

    std::vector<ValueId> weights, olds;
    for (const ir::Node* m : group) olds.push_back(m->operands[1]);
    if (!rw.canStack(olds)) return false;
    for (ValueId w : olds) weights.push_back(rw.mapped(w));
    const std::string base = g.value(n.result).name;
    ValueId stacked = rw.emit(OpKind::ConcatRows, weights, {}, g.value(n.operands[1]).name + ".group");
    ValueId product = rw.emit(OpKind::MatMul, {rw.mapped(n.operands[0]), stacked}, {}, base + ".group");
    int64_t begin = 0;
    for (const ir::Node* m : group) {
      int64_t rows = g.value(m->operands[1]).type.shape[0].value;
      rw.replace(*m, OpKind::SliceCols, {product}, {{"begin", begin}, {"end", begin + rows}});
      begin += rows;
    }
    return true;
  });
}

}  // namespace q3c::passes
