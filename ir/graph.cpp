#include "ir/graph.h"

namespace q3c::ir {

namespace {
template <typename T>
const T& getAttr(const Node& n, const std::string& key, const char* kind) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end())
    throw IrError(std::string(opInfo(n.op).name) + ": missing attribute '" + key + "'");
  if (!std::holds_alternative<T>(it->second))
    throw IrError(std::string(opInfo(n.op).name) + ": attribute '" + key + "' is not " + kind);
  return std::get<T>(it->second);
}

bool validName(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}
}  // namespace

int64_t Node::attrInt(const std::string& key) const { return getAttr<int64_t>(*this, key, "an int"); }
double Node::attrFloat(const std::string& key) const { return getAttr<double>(*this, key, "a float"); }
const std::string& Node::attrString(const std::string& key) const {
  return getAttr<std::string>(*this, key, "a string");
}

ValueId Graph::addNode(OpKind op, std::vector<ValueId> operands, std::map<std::string, Attr> attrs,
                       TensorType type, std::string name) {
  for (ValueId v : operands)
    if (v < 0 || v >= static_cast<ValueId>(values_.size()))
      throw IrError(std::string(opInfo(op).name) + ": operand refers to an undefined value");
  if (name.empty()) {
    int n = static_cast<int>(values_.size());
    do name = std::to_string(n++);
    while (byName_.count(name));
  }
  if (!validName(name)) throw IrError("invalid value name '%" + name + "'");
  if (byName_.count(name)) throw IrError("value '%" + name + "' is defined twice");
  ValueId id = static_cast<ValueId>(values_.size());
  values_.push_back({name, std::move(type), static_cast<int>(nodes_.size())});
  nodes_.push_back({op, std::move(operands), id, std::move(attrs)});
  byName_[name] = id;
  return id;
}

void Graph::rename(ValueId v, const std::string& name) {
  if (!validName(name)) throw IrError("invalid value name '%" + name + "'");
  if (byName_.count(name)) throw IrError("value '%" + name + "' is defined twice");
  byName_.erase(values_.at(v).name);
  values_[v].name = name;
  byName_[name] = v;
}

ValueId Graph::findValue(const std::string& name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? -1 : it->second;
}

}  // namespace q3c::ir
