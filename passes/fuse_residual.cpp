// fuse-residual: add(r, matmul(x, w)) becomes matmul_add(x, w, r): the product is added to the
// residual stream as it is stored, instead of being written and read back. In Qwen3: o_proj and
// down_proj.
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

ir::Graph fuseResidual(const ir::Graph& g) {
  Rewriter rw(g);
  return rw.run([&](const ir::Node& n) {
    if (n.op != OpKind::Add) return false;
    for (int i = 0; i < 2; ++i) {
      const ir::Node* mm = rw.producerIs(n.operands[i], OpKind::MatMul);
      if (!mm || !rw.hasSingleUse(mm->result)) continue;
      std::vector<ValueId> operands = {rw.mapped(mm->operands[0]), rw.mapped(mm->operands[1]),
                                       rw.mapped(n.operands[1 - i])};
      if (mm->operands.size() == 3) operands.push_back(rw.mapped(mm->operands[2]));  // prologue norm weight
      rw.replace(n, OpKind::MatMulAdd, operands, mm->attrs);
      return true;
    }
    return false;
  });
}

}  // namespace q3c::passes
