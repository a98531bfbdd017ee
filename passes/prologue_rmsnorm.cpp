// prologue-rmsnorm: an RMSNorm (rms_norm with a weight, or normalize after folding) whose value
// feeds only matmuls is computed inside each of them: the matmul takes the raw input, the
// norm_eps attribute, and the norm weight as an extra last operand. The normalized rows are
// never written to memory.
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

ir::Graph prologueRmsNorm(const ir::Graph& g) {
  Rewriter rw(g);
  std::map<ValueId, const ir::Node*> absorbed;  // old norm value -> its node
  return rw.run([&](const ir::Node& n) {
    if ((n.op == OpKind::RmsNorm && rw.isConstant(n.operands[1])) || n.op == OpKind::Normalize) {
      if (rw.isOutput(n.result) || rw.users(n.result).empty() || g.value(n.result).type.shape.size() != 2) return false;
      for (int u : rw.users(n.result)) {
        const ir::Node& m = rw.nodeAt(u);
        if (!isMatMulFamily(m.op) || m.hasAttr("norm_eps") || m.operands[0] != n.result ||
            m.operands.size() != static_cast<size_t>(ir::opInfo(m.op).numOperands))
          return false;
        for (size_t i = 1; i < m.operands.size(); ++i)
          if (m.operands[i] == n.result) return false;
      }
      absorbed[n.result] = &n;  // not emitted: its users compute it
      return true;
    }
    if (isMatMulFamily(n.op) && absorbed.count(n.operands[0])) {
      const ir::Node& norm = *absorbed[n.operands[0]];
      std::vector<ValueId> operands = {rw.mapped(norm.operands[0])};
      for (size_t i = 1; i < n.operands.size(); ++i) operands.push_back(rw.mapped(n.operands[i]));
      if (norm.op == OpKind::RmsNorm) operands.push_back(rw.mapped(norm.operands[1]));
      auto attrs = n.attrs;
      attrs["norm_eps"] = norm.attrs.at("eps");
      rw.replace(n, n.op, operands, attrs);
      return true;
    }
    return false;
  });
}

}  // namespace q3c::passes
