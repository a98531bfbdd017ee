// Textual form of a graph. One node per line:
//   %name = op(%a, %b) {key = value, ...} : f32[T,128]
#include <charconv>
#include <sstream>

#include "ir/graph.h"

namespace q3c::ir {

namespace {

std::string formatFloat(double d) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back exactly
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // keep floats apart from ints
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string formatAttr(const Attr& a) {
  if (auto* i = std::get_if<int64_t>(&a)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&a)) return formatFloat(*d);
  return quote(std::get<std::string>(a));
}

void printAttrs(std::ostringstream& os, const std::map<std::string, Attr>& attrs) {
  bool first = true;
  for (const auto& [k, v] : attrs) {
    os << (first ? "" : ", ") << k << " = " << formatAttr(v);
    first = false;
  }
}

}  // namespace

std::string print(const Graph& g) {
  std::ostringstream os;
  os << "graph @" << g.name;
  if (!g.attrs.empty()) {
    os << " [";
    printAttrs(os, g.attrs);
    os << "]";
  }
  os << " {\n";
  for (const Node& n : g.nodes()) {
    const Value& r = g.value(n.result);
    os << "  %" << r.name << " = " << opInfo(n.op).name;
    if (!n.operands.empty()) {
      os << "(";
      for (size_t i = 0; i < n.operands.size(); ++i) os << (i ? ", %" : "%") << g.value(n.operands[i]).name;
      os << ")";
    }
    if (!n.attrs.empty()) {
      os << " {";
      printAttrs(os, n.attrs);
      os << "}";
    }
    os << " : " << r.type.str() << "\n";
  }
  os << "  return";
  for (size_t i = 0; i < g.outputs().size(); ++i) os << (i ? ", %" : " %") << g.value(g.outputs()[i]).name;
  os << "\n}\n";
  return os.str();
}

}  // namespace q3c::ir
