#include "passes/rewriter.h"

#include "ir/quant.h"

#include <algorithm>

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

Rewriter::Rewriter(const ir::Graph& src) : src_(src), map_(src.values().size(), -1), users_(src.values().size()) {
  out_.name = src.name;
  out_.attrs = src.attrs;
  for (size_t i = 0; i < src.nodes().size(); ++i)
    for (ValueId v : src.nodes()[i].operands) users_[v].push_back(static_cast<int>(i));
  for (const ir::Node& n : src.nodes())
    if (n.op == OpKind::Input || isConstant(n.result)) copy(n);
}

const ir::Node* Rewriter::producerIs(ValueId old, OpKind kind) const {
  const ir::Node& n = src_.producer(old);
  return n.op == kind ? &n : nullptr;
}

bool Rewriter::isConstant(ValueId old) const {
  const ir::Node& n = src_.producer(old);
  if (n.op == OpKind::Weight) return true;
  if (n.op != OpKind::ScaleCols && n.op != OpKind::ConcatRows && n.op != OpKind::Quantize) return false;
  return std::all_of(n.operands.begin(), n.operands.end(), [&](ValueId v) { return isConstant(v); });
}

bool Rewriter::canStack(const std::vector<ValueId>& olds) const {
  bool anyQuantized = false;
  for (ValueId v : olds) anyQuantized = anyQuantized || ir::isQuantized(src_.value(v).type.dtype);
  if (!anyQuantized) return true;
  ir::QuantFormat first, f;
  if (!ir::quantFormatOf(src_, olds[0], first)) return false;
  for (ValueId v : olds)
    if (src_.value(v).type.dtype != src_.value(olds[0]).type.dtype || !ir::quantFormatOf(src_, v, f) || !(f == first))
      return false;
  return true;
}

bool Rewriter::isOutput(ValueId old) const {
  return std::find(src_.outputs().begin(), src_.outputs().end(), old) != src_.outputs().end();
}

ValueId Rewriter::mapped(ValueId old) const {
  if (map_[old] < 0) throw ir::IrError("rewrite: %" + src_.value(old).name + " is used before it was rewritten");
  return map_[old];
}

ValueId Rewriter::copy(const ir::Node& n) {
  const ir::Value& r = src_.value(n.result);
  return map_[n.result] = out_.addNode(n.op, mappedOperands(n), n.attrs, r.type, r.name);
}

ValueId Rewriter::emit(OpKind op, std::vector<ValueId> operands, std::map<std::string, ir::Attr> attrs,
                       const std::string& name) {
  ir::TensorType type = ir::inferType(out_, op, operands, attrs);
  std::string unique = name;
  for (int i = 1; out_.findValue(unique) >= 0; ++i) unique = name + "." + std::to_string(i);
  if (unique != name) suffixed_[unique] = name;
  return out_.addNode(op, std::move(operands), std::move(attrs), std::move(type), unique);
}

ValueId Rewriter::replace(const ir::Node& n, OpKind op, std::vector<ValueId> operands,
                          std::map<std::string, ir::Attr> attrs) {
  return map_[n.result] = emit(op, std::move(operands), std::move(attrs), src_.value(n.result).name);
}

std::vector<ValueId> Rewriter::mappedOperands(const ir::Node& n) const {
  std::vector<ValueId> out;
  for (ValueId v : n.operands) out.push_back(mapped(v));
  return out;
}

ir::Graph Rewriter::run(const std::function<bool(const ir::Node&)>& visit) {
  for (const ir::Node& n : src_.nodes()) {
    if (map_[n.result] >= 0) continue;  // copied up front, or replaced by an earlier rewrite
    if (!visit(n)) copy(n);
  }
  for (ValueId v : src_.outputs()) out_.addOutput(mapped(v));
  ir::Graph g = eliminateDeadCode(out_);
  // A replacement named while the value it replaces was still there takes that name back.
  for (const auto& [unique, wanted] : suffixed_) {
    ValueId v = g.findValue(unique);
    if (v >= 0 && g.findValue(wanted) < 0) g.rename(v, wanted);
  }
  return g;
}

ir::Graph eliminateDeadCode(const ir::Graph& g) {
  std::vector<bool> live(g.values().size(), false);
  for (ValueId v : g.outputs()) live[v] = true;
  for (auto it = g.nodes().rbegin(); it != g.nodes().rend(); ++it)
    if (live[it->result])
      for (ValueId v : it->operands) live[v] = true;
  ir::Graph out;
  out.name = g.name;
  out.attrs = g.attrs;
  std::vector<ValueId> map(g.values().size(), -1);
  for (const ir::Node& n : g.nodes()) {
    if (!live[n.result]) continue;
    std::vector<ValueId> operands;
    for (ValueId v : n.operands) operands.push_back(map[v]);
    const ir::Value& r = g.value(n.result);
    map[n.result] = out.addNode(n.op, std::move(operands), n.attrs, r.type, r.name);
  }
  for (ValueId v : g.outputs()) out.addOutput(map[v]);
  return out;
}

}  // namespace q3c::passes
