// The static graph: SSA values (tensors) produced by nodes in topological order.
#pragma once
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "ir/ops.h"
#include "ir/types.h"

namespace q3c::ir {

// Every IR error (bad text, failed verification) is one of these, with a readable message.
struct IrError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Attr = std::variant<int64_t, double, std::string>;
using ValueId = int;

struct Value {
  std::string name;  // unique in the graph; printed as %name
  TensorType type;
  int producer = -1;  // index of the node that defines it
};

struct Node {
  OpKind op;
  std::vector<ValueId> operands;
  ValueId result = -1;
  std::map<std::string, Attr> attrs;  // ordered, so printing is deterministic

  bool hasAttr(const std::string& key) const { return attrs.count(key) != 0; }
  int64_t attrInt(const std::string& key) const;
  double attrFloat(const std::string& key) const;
  const std::string& attrString(const std::string& key) const;
};

class Graph {
 public:
  std::string name = "main";
  std::map<std::string, Attr> attrs;  // whole-graph facts passes record (e.g. arena size)

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  const Value& value(ValueId id) const { return values_.at(id); }
  const Node& producer(ValueId id) const { return nodes_.at(values_.at(id).producer); }

  // Appends a node whose result is a new value; an empty name gets a fresh numeric one.
  ValueId addNode(OpKind op, std::vector<ValueId> operands, std::map<std::string, Attr> attrs,
                  TensorType type, std::string name = "");
  void addOutput(ValueId v) { outputs_.push_back(v); }
  // Gives a value a new, unused name.
  void rename(ValueId v, const std::string& name);

  // -1 when no value has that name.
  ValueId findValue(const std::string& name) const;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> outputs_;
  std::map<std::string, ValueId> byName_;
};

// The result type the op table's shape rule gives for a node (declared types pass through).
// Throws IrError naming the node when operands do not fit the rule.
TensorType inferType(const Graph& g, OpKind op, const std::vector<ValueId>& operands,
                     const std::map<std::string, Attr>& attrs, const TensorType& declared = {});

// Checks every node against the op table: operand count, attributes, operand types, result
// type. Throws IrError with the first problem found.
void verify(const Graph& g);

std::string print(const Graph& g);
Graph parse(const std::string& text);

}  // namespace q3c::ir
