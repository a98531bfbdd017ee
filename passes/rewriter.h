// The way every pass rewrites a graph: walk the source nodes in order and, for each, copy it or
// emit replacement nodes into a new graph; values the new graph no longer uses are dropped at
// the end. Inputs and constants (weights and what is computed from them) are copied first, so a
// fused node may use any of them.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace q3c::passes {

class Rewriter {
 public:
  explicit Rewriter(const ir::Graph& src);

  const ir::Graph& src() const { return src_; }
  ir::Graph& out() { return out_; }

  // Source-graph queries.
  const std::vector<int>& users(ir::ValueId old) const { return users_[old]; }  // node indices
  const ir::Node& nodeAt(int index) const { return src_.nodes()[index]; }
  // The node defining `old` when it has op `kind`, else null.
  const ir::Node* producerIs(ir::ValueId old, ir::OpKind kind) const;
  bool isConstant(ir::ValueId old) const;  // a weight, or computed from weights only
  // Whether concat_rows may stack these constants: float ones always (mixed dtypes widen),
  // quantized ones only when all have one format (a GGUF Q4_K_M mixes Q4_K and Q6_K).
  bool canStack(const std::vector<ir::ValueId>& olds) const;
  bool hasSingleUse(ir::ValueId old) const { return users_[old].size() == 1 && !isOutput(old); }
  bool isOutput(ir::ValueId old) const;

  // Building the new graph.
  ir::ValueId mapped(ir::ValueId old) const;  // the new value standing for `old`
  void map(ir::ValueId old, ir::ValueId now) { map_[old] = now; }
  ir::ValueId copy(const ir::Node& n);  // same op, attributes and name; operands remapped
  // A new node; its type comes from the shape rule, its name is made unique from `name`.
  ir::ValueId emit(ir::OpKind op, std::vector<ir::ValueId> operands, std::map<std::string, ir::Attr> attrs,
                   const std::string& name);

  // Emits a replacement for `n`: a node named like n's value, standing for it from now on.
  ir::ValueId replace(const ir::Node& n, ir::OpKind op, std::vector<ir::ValueId> operands,
                      std::map<std::string, ir::Attr> attrs);
  // n's operands, mapped into the new graph.
  std::vector<ir::ValueId> mappedOperands(const ir::Node& n) const;

  // Visits every node not yet handled; `visit` returns false to have the node copied as is.
  ir::Graph run(const std::function<bool(const ir::Node&)>& visit);

 private:
  const ir::Graph& src_;
  ir::Graph out_;
  std::vector<ir::ValueId> map_;
  std::vector<std::vector<int>> users_;
  std::map<std::string, std::string> suffixed_;  // name emit() made unique -> the name asked for
};

// Drops every node whose value no output depends on.
ir::Graph eliminateDeadCode(const ir::Graph& g);

}  // namespace q3c::passes
