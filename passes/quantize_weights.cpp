// quantize-weights: weight-only quantization in groups, asked for by graph attributes (set by
// --quant and --group, printed with the graph):
//   quant        int8, int4 or int4zp (absent or "none": the pass changes nothing)
//   quant_group  elements per scale along K (32 or 128 are the supported choices)
//   quant_head   the format of the embedding table and the lm_head; default: int8 whatever
//                `quant` is, because the logits are read straight off the lm_head (an int4
//                lm_head moves the next-token distribution several times more than all the
//                int4 layers), and the table is ~10% of a 4B model's bytes.
// Every float [N, K] weight that a matmul-family product or an embedding reads gets a
// quantize node (evaluated once at load); the product then reads the quantized weight. The
// norm vectors stay as they are. A weight whose rows are not a whole number of groups is left
// unquantized. This pass runs first, so that the fusions after it stack quantized parts.
#include "ir/quant.h"
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

namespace {

bool readFormat(const ir::Graph& g, const char* key, int64_t group, ir::QuantFormat& out) {
  auto it = g.attrs.find(key);
  if (it == g.attrs.end() || !std::holds_alternative<std::string>(it->second)) return false;
  const std::string& name = std::get<std::string>(it->second);
  if (name == "none") return false;
  if (!ir::parseQuantScheme(name, out.scheme))
    throw ir::IrError(std::string("quantize-weights: graph attribute ") + key + " = \"" + name +
                      "\" is not none, int8, int4 or int4zp");
  out.group = group;
  return true;
}

}  // namespace

ir::Graph quantizeWeights(const ir::Graph& g) {
  ir::QuantFormat body, head;
  int64_t group = 32;
  if (auto it = g.attrs.find("quant_group"); it != g.attrs.end() && std::holds_alternative<int64_t>(it->second))
    group = std::get<int64_t>(it->second);
  if (!readFormat(g, "quant", group, body)) return g;
  if (!readFormat(g, "quant_head", group, head)) head = {ir::QuantScheme::Int8, group};
  if (group <= 0) throw ir::IrError("quantize-weights: quant_group must be positive");

  // The weights the graph's output product and the embeddings read take the head format.
  std::set<ValueId> headWeights;
  for (const ir::Node& n : g.nodes()) {
    if (n.op == OpKind::Embed) headWeights.insert(n.operands[0]);
    if (ir::isWeightProduct(n.op) && std::find(g.outputs().begin(), g.outputs().end(), n.result) != g.outputs().end())
      headWeights.insert(n.operands[1]);
  }
  Rewriter rw(g);
  std::map<ValueId, ValueId> quantized;  // old weight -> its quantize node in the new graph
  auto quantizedOf = [&](ValueId w) -> ValueId {
    const ir::TensorType& t = g.value(w).type;
    if (!rw.isConstant(w) || t.shape.size() != 2 || ir::isQuantized(t.dtype) || t.dtype == ir::DType::I32) return -1;
    const ir::QuantFormat f = headWeights.count(w) ? head : body;
    if (!ir::checkQuantFormat(f, t.shape[1].value).empty()) return -1;
    auto [it, added] = quantized.try_emplace(w, -1);
    if (added)
      it->second = rw.emit(OpKind::Quantize, {rw.mapped(w)},
                           {{"quant", std::string(ir::quantSchemeName(f.scheme))}, {"group", f.group}},
                           g.value(w).name + ".q");
    return it->second;
  };
  return rw.run([&](const ir::Node& n) {
    const int at = n.op == OpKind::Embed ? 0 : ir::isWeightProduct(n.op) ? 1 : -1;
    if (at < 0) return false;
    ValueId q = quantizedOf(n.operands[at]);
    if (q < 0) return false;
    std::vector<ValueId> operands = rw.mappedOperands(n);
    operands[at] = q;
    rw.replace(n, n.op, operands, n.attrs);
    return true;
  });
}

}  // namespace q3c::passes
