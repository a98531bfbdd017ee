// fuse-qkv-rope-kv: the whole road from the attention input to q and the KV cache,
//   q/k/v products -> reshape to heads -> q_norm/k_norm -> RoPE -> kv_append
// becomes one qkv_rope_kv node (one matmul whose epilogue normalizes and rotates each head and
// appends k and v to the cache) and two kv_read nodes that attention reads the cache through.
// The products may be three slices of one matmul (after horizontal-fusion) or three matmuls.
#include <optional>

#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

namespace {

struct HeadPath {  // value -> reshape -> [rms_norm -> rope]
  ValueId flat = -1;       // the [T, heads*D] product
  ValueId normWeight = -1;  // q_norm / k_norm weight (-1 for v)
  const ir::Node* norm = nullptr;
  const ir::Node* rope = nullptr;
};

bool singleUse(const Rewriter& rw, std::initializer_list<ValueId> vs) {
  for (ValueId v : vs)
    if (!rw.hasSingleUse(v)) return false;
  return true;
}

// rope(rms_norm(reshape(flat), w)) with every step used once.
bool matchNormedRope(const Rewriter& rw, ValueId v, HeadPath& p) {
  p.rope = rw.producerIs(v, OpKind::Rope);
  if (!p.rope) return false;
  p.norm = rw.producerIs(p.rope->operands[0], OpKind::RmsNorm);
  if (!p.norm || !rw.isConstant(p.norm->operands[1])) return false;
  const ir::Node* shaped = rw.producerIs(p.norm->operands[0], OpKind::Reshape);
  if (!shaped || !singleUse(rw, {p.rope->operands[0], p.norm->operands[0], shaped->operands[0]})) return false;
  p.flat = shaped->operands[0];
  p.normWeight = p.norm->operands[1];
  return true;
}

// The three products as (input, stacked weight, prologue) in the new graph, or false.
bool matchProducts(Rewriter& rw, ValueId q, ValueId k, ValueId v, std::vector<ValueId>& operands,
                   std::map<std::string, ir::Attr>& attrs) {
  const ir::Node* sq = rw.producerIs(q, OpKind::SliceCols);
  const ir::Node* sk = rw.producerIs(k, OpKind::SliceCols);
  const ir::Node* sv = rw.producerIs(v, OpKind::SliceCols);
  if (sq && sk && sv && sq->operands[0] == sk->operands[0] && sk->operands[0] == sv->operands[0]) {
    const ir::Node* mm = rw.producerIs(sq->operands[0], OpKind::MatMul);
    if (!mm || rw.users(mm->result).size() != 3 || rw.isOutput(mm->result)) return false;
    const int64_t n = rw.src().value(mm->result).type.shape.back().value;
    if (sq->attrInt("begin") != 0 || sq->attrInt("end") != sk->attrInt("begin") ||
        sk->attrInt("end") != sv->attrInt("begin") || sv->attrInt("end") != n)
      return false;
    operands = rw.mappedOperands(*mm);
    attrs = mm->attrs;
    return true;
  }
  const ir::Node* mq = rw.producerIs(q, OpKind::MatMul);
  const ir::Node* mk = rw.producerIs(k, OpKind::MatMul);
  const ir::Node* mv = rw.producerIs(v, OpKind::MatMul);
  if (!mq || !mk || !mv) return false;
  for (const ir::Node* m : {mk, mv})
    if (m->operands[0] != mq->operands[0] || m->attrs != mq->attrs || m->operands.size() != 2) return false;
  if (mq->operands.size() != 2 || !rw.isConstant(mq->operands[1]) || !rw.isConstant(mk->operands[1]) ||
      !rw.isConstant(mv->operands[1]) || !rw.canStack({mq->operands[1], mk->operands[1], mv->operands[1]}))
    return false;
  ValueId stacked = rw.emit(OpKind::ConcatRows,
                            {rw.mapped(mq->operands[1]), rw.mapped(mk->operands[1]), rw.mapped(mv->operands[1])}, {},
                            rw.src().value(mq->operands[1]).name + ".qkv");
  operands = {rw.mapped(mq->operands[0]), stacked};
  attrs = mq->attrs;
  return true;
}

}  // namespace

ir::Graph fuseQkvRopeKv(const ir::Graph& g) {
  Rewriter rw(g);
  return rw.run([&](const ir::Node& att) {
    if (att.op != OpKind::Attention && att.op != OpKind::FlashAttention) return false;
    HeadPath q, k;
    if (!matchNormedRope(rw, att.operands[0], q)) return false;
    const ir::Node* kAppend = rw.producerIs(att.operands[1], OpKind::KvAppend);
    const ir::Node* vAppend = rw.producerIs(att.operands[2], OpKind::KvAppend);
    if (!kAppend || !vAppend || !singleUse(rw, {att.operands[0], att.operands[1], att.operands[2], kAppend->operands[0]}))
      return false;
    if (!matchNormedRope(rw, kAppend->operands[0], k)) return false;
    const ir::Node* vShaped = rw.producerIs(vAppend->operands[0], OpKind::Reshape);
    if (!vShaped || !singleUse(rw, {vAppend->operands[0], vShaped->operands[0]})) return false;
    const int64_t layer = kAppend->attrInt("layer");
    if (vAppend->attrInt("layer") != layer || kAppend->attrString("slot") != "k" || vAppend->attrString("slot") != "v")
      return false;
    if (q.rope->attrs != k.rope->attrs || q.norm->attrs != k.norm->attrs) return false;

    std::vector<ValueId> operands;
    std::map<std::string, ir::Attr> attrs;
    if (!matchProducts(rw, q.flat, k.flat, vShaped->operands[0], operands, attrs)) return false;
    std::optional<ValueId> prologueWeight;
    if (operands.size() == 3) {  // keep the prologue's norm weight last
      prologueWeight = operands[2];
      operands.pop_back();
    }
    operands.push_back(rw.mapped(q.normWeight));
    operands.push_back(rw.mapped(k.normWeight));
    if (prologueWeight) operands.push_back(*prologueWeight);

    const ir::TensorType& kt = g.value(att.operands[1]).type;
    const int64_t heads = g.value(att.operands[0]).type.shape[1].value, kvHeads = kt.shape[1].value;
    attrs.insert(q.rope->attrs.begin(), q.rope->attrs.end());
    attrs["heads"] = heads;
    attrs["kv_heads"] = kvHeads;
    attrs["eps"] = q.norm->attrs.at("eps");
    attrs["layer"] = layer;
    ValueId fusedQ = rw.replace(*q.rope, OpKind::QkvRopeKv, operands, attrs);
    const ir::Attr headDim = kt.shape[2].value;
    ValueId kc = rw.replace(*kAppend, OpKind::KvRead, {fusedQ},
                            {{"layer", layer}, {"slot", std::string("k")}, {"kv_heads", kvHeads}, {"head_dim", headDim}});
    ValueId vc = rw.replace(*vAppend, OpKind::KvRead, {fusedQ},
                            {{"layer", layer}, {"slot", std::string("v")}, {"kv_heads", kvHeads}, {"head_dim", headDim}});
    rw.replace(att, att.op, {fusedQ, kc, vc}, att.attrs);
    return true;
  });
}

}  // namespace q3c::passes
