#include "codegen/constants.h"

#include <cstring>

#include "codegen/interp/reference_ops.h"
#include "frontend/error.h"

namespace q3c {

using ir::OpKind;

ConstantTable::ConstantTable(const ir::Graph& g, const WeightStore& weights) : g_(g), table_(g.values().size()) {
  for (const ir::Node& n : g.nodes()) {
    auto c = std::make_unique<ConstantData>();
    if (n.op == OpKind::Weight) {
      const TensorView* t = weights.find(n.attrString("name"));
      if (!t) throw Error("graph names weight '" + n.attrString("name") + "', which the model does not have");
      c->data = t->data;
      c->dtype = t->dtype;
    } else if (n.op == OpKind::ScaleCols) {
      std::vector<float> w = widened(n.operands[0]), s = widened(n.operands[1]);
      for (size_t i = 0; i < w.size(); ++i) w[i] *= s[i % s.size()];
      c->owned.resize(w.size() * 4);
      std::memcpy(c->owned.data(), w.data(), c->owned.size());
    } else if (n.op == OpKind::ConcatRows) {
      c->dtype = g.value(n.result).type.dtype;
      for (ir::ValueId v : n.operands) {
        const ConstantData& part = at(v);
        if (part.dtype == c->dtype) {
          const size_t bytes = static_cast<size_t>(g.value(v).type.numel(0, 0) * ir::dtypeSize(part.dtype));
          c->owned.insert(c->owned.end(), part.data, part.data + bytes);
        } else {  // mixed dtypes widen to f32
          std::vector<float> w = widened(v);
          const uint8_t* p = reinterpret_cast<const uint8_t*>(w.data());
          c->owned.insert(c->owned.end(), p, p + w.size() * 4);
        }
      }
    } else {
      continue;
    }
    if (!c->owned.empty()) c->data = c->owned.data();
    table_[n.result] = std::move(c);
  }
  // Keep only what a run-time node reads: folded pieces of a concatenation are not needed.
  std::vector<bool> read(table_.size(), false);
  for (const ir::Node& n : g.nodes())
    if (n.op != OpKind::ScaleCols && n.op != OpKind::ConcatRows)
      for (ir::ValueId v : n.operands) read[v] = true;
  for (size_t v = 0; v < table_.size(); ++v)
    if (table_[v] && !read[v]) table_[v].reset();
}

const ConstantData& ConstantTable::at(ir::ValueId v) const {
  if (!has(v)) throw Error("%" + g_.value(v).name + " is used as a constant but is not one");
  return *table_[v];
}

size_t ConstantTable::ownedBytes() const {
  size_t n = 0;
  for (const auto& c : table_)
    if (c) n += c->owned.size();
  return n;
}

std::vector<float> ConstantTable::widened(ir::ValueId v) const {
  const ConstantData& c = at(v);
  std::vector<float> out(static_cast<size_t>(g_.value(v).type.numel(0, 0)));
  ref::widen(c.data, c.dtype, static_cast<int64_t>(out.size()), out.data());
  return out;
}

}  // namespace q3c
