// fuse-swiglu: mul(silu(gate), up), where gate and up are products of the same input, becomes
// one matmul_swiglu against [gate rows; up rows]. Works on the two slices that
// horizontal-fusion leaves, or on two separate matmuls (their weights are then stacked here).
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

namespace {

// gate/up as two slices [0, I) and [I, 2I) of one matmul with N = 2I and no other users.
const ir::Node* slicedProduct(const Rewriter& rw, ValueId gate, ValueId up) {
  const ir::Node* gs = rw.producerIs(gate, OpKind::SliceCols);
  const ir::Node* us = rw.producerIs(up, OpKind::SliceCols);
  if (!gs || !us || gs->operands[0] != us->operands[0]) return nullptr;
  const ir::Node* mm = rw.producerIs(gs->operands[0], OpKind::MatMul);
  if (!mm || rw.users(mm->result).size() != 2 || rw.isOutput(mm->result)) return nullptr;
  const int64_t n = rw.src().value(mm->result).type.shape.back().value;
  if (gs->attrInt("begin") != 0 || gs->attrInt("end") != n / 2 || us->attrInt("begin") != n / 2 || us->attrInt("end") != n)
    return nullptr;
  return mm;
}

bool sameInputAndPrologue(const ir::Node& a, const ir::Node& b) {
  return a.operands[0] == b.operands[0] && a.attrs == b.attrs && a.operands.size() == 2 && b.operands.size() == 2;
}

}  // namespace

ir::Graph fuseSwiglu(const ir::Graph& g) {
  Rewriter rw(g);
  return rw.run([&](const ir::Node& n) {
    if (n.op != OpKind::Mul) return false;
    for (int order = 0; order < 2; ++order) {
      ValueId act = n.operands[order], up = n.operands[1 - order];
      const ir::Node* silu = rw.producerIs(act, OpKind::Silu);
      if (!silu || !rw.hasSingleUse(act) || !rw.hasSingleUse(silu->operands[0]) || !rw.hasSingleUse(up)) continue;
      ValueId gate = silu->operands[0];
      if (const ir::Node* mm = slicedProduct(rw, gate, up)) {
        rw.replace(n, OpKind::MatMulSwiglu, rw.mappedOperands(*mm), mm->attrs);
        return true;
      }
      const ir::Node* gm = rw.producerIs(gate, OpKind::MatMul);
      const ir::Node* um = rw.producerIs(up, OpKind::MatMul);
      if (gm && um && sameInputAndPrologue(*gm, *um) && rw.isConstant(gm->operands[1]) && rw.isConstant(um->operands[1]) &&
          rw.canStack({gm->operands[1], um->operands[1]}) &&
          g.value(gm->operands[1]).type.shape == g.value(um->operands[1]).type.shape) {
        ValueId stacked = rw.emit(OpKind::ConcatRows, {rw.mapped(gm->operands[1]), rw.mapped(um->operands[1])}, {},
                                  g.value(gm->operands[1]).name + ".gate_up");
        rw.replace(n, OpKind::MatMulSwiglu, {rw.mapped(gm->operands[0]), stacked}, gm->attrs);
        return true;
      }
    }
    return false;
  });
}

}  // namespace q3c::passes
