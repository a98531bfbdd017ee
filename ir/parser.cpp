// Reads the textual form that printer.cpp writes. Errors name the line and column.
#include <cctype>
#include <cstring>
#include <charconv>

#include "ir/graph.h"

namespace q3c::ir {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Graph run() {
    Graph g;
    expectWord("graph");
    expect('@');
    g.name = ident();
    if (accept('[')) g.attrs = attrList(']');
    expect('{');
    while (true) {
      skipSpace();
      if (peekWord("return")) break;
      parseNode(g);
    }
    expectWord("return");
    do g.addOutput(valueRef(g));
    while (accept(','));
    expect('}');
    skipSpace();
    if (pos_ != s_.size()) error("text after the end of the graph");
    verify(g);
    return g;
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;

  [[noreturn]] void error(const std::string& msg) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') { ++line; col = 1; }
      else ++col;
    }
    throw IrError("line " + std::to_string(line) + ":" + std::to_string(col) + ": " + msg);
  }

  void skipSpace() {
    while (pos_ < s_.size()) {
      if (isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      else if (s_[pos_] == '#') { while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_; }  // comment
      else break;
    }
  }
  bool accept(char c) {
    skipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) error(std::string("expected '") + c + "'");
  }
  static bool identChar(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
  std::string ident() {
    skipSpace();
    size_t b = pos_;
    while (pos_ < s_.size() && identChar(s_[pos_])) ++pos_;
    if (b == pos_) error("expected a name");
    return s_.substr(b, pos_ - b);
  }
  bool peekWord(const char* w) {
    skipSpace();
    size_t n = strlen(w);
    return s_.compare(pos_, n, w) == 0 && (pos_ + n == s_.size() || !identChar(s_[pos_ + n]));
  }
  void expectWord(const char* w) {
    if (!peekWord(w)) error(std::string("expected '") + w + "'");
    pos_ += strlen(w);
  }
  ValueId valueRef(const Graph& g) {
    expect('%');
    size_t at = pos_;
    std::string name = ident();
    ValueId v = g.findValue(name);
    if (v < 0) { pos_ = at; error("use of undefined value %" + name); }
    return v;
  }

  Attr attrValue() {
    skipSpace();
    if (accept('"')) {
      std::string out;
      while (pos_ < s_.size() && s_[pos_] != '"') {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        out += s_[pos_++];
      }
      if (pos_ >= s_.size()) error("unterminated string");
      ++pos_;
      return out;
    }
    size_t b = pos_;
    while (pos_ < s_.size() && (isalnum(static_cast<unsigned char>(s_[pos_])) || strchr("+-.", s_[pos_]))) ++pos_;
    std::string tok = s_.substr(b, pos_ - b);
    if (tok.empty()) error("expected an attribute value");
    const char* first = tok.data();
    const char* last = tok.data() + tok.size();
    if (tok.find_first_of(".eEni") == std::string::npos) {
      int64_t i;
      auto r = std::from_chars(first, last, i);
      if (r.ec == std::errc() && r.ptr == last) return i;
    } else {
      double d;
      auto r = std::from_chars(first, last, d);
      if (r.ec == std::errc() && r.ptr == last) return d;
    }
    pos_ = b;
    error("bad attribute value '" + tok + "'");
  }

  // key = value pairs up to `close`, which the caller's opening bracket started.
  std::map<std::string, Attr> attrList(char close) {
    std::map<std::string, Attr> attrs;
    if (accept(close)) return attrs;
    do {
      std::string key = ident();
      expect('=');
      if (attrs.count(key)) error("attribute '" + key + "' given twice");
      attrs[key] = attrValue();
    } while (accept(','));
    expect(close);
    return attrs;
  }

  TensorType tensorType() {
    TensorType t;
    size_t at = pos_;
    std::string dt = ident();
    if (!parseDType(dt, t.dtype)) { pos_ = at; error("unknown dtype '" + dt + "'"); }
    expect('[');
    if (!accept(']')) {
      do {
        std::string d = ident();
        if (d == "T") t.shape.push_back(Dim::tokens());
        else if (d == "C") t.shape.push_back(Dim::context());
        else {
          int64_t v;
          auto r = std::from_chars(d.data(), d.data() + d.size(), v);
          if (r.ec != std::errc() || r.ptr != d.data() + d.size() || v < 0) error("bad dimension '" + d + "'");
          t.shape.push_back(Dim::of(v));
        }
      } while (accept(','));
      expect(']');
    }
    return t;
  }

  void parseNode(Graph& g) {
    expect('%');
    std::string name = ident();
    expect('=');
    size_t at = pos_;
    std::string opName = ident();
    OpKind op;
    if (!lookupOp(opName, op)) { pos_ = at; error("unknown op '" + opName + "'"); }
    std::vector<ValueId> operands;
    if (accept('(')) {
      if (!accept(')')) {
        do operands.push_back(valueRef(g));
        while (accept(','));
        expect(')');
      }
    }
    std::map<std::string, Attr> attrs;
    if (accept('{')) attrs = attrList('}');
    expect(':');
    TensorType type = tensorType();
    try {
      g.addNode(op, std::move(operands), std::move(attrs), std::move(type), name);
    } catch (const IrError& e) {
      error(e.what());
    }
  }
};

}  // namespace

Graph parse(const std::string& text) { return Parser(text).run(); }

}  // namespace q3c::ir
