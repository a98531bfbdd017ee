#include "frontend/tokenizer/jinja/parser.h"

#include <initializer_list>

#include "frontend/tokenizer/jinja/builtins.h"

namespace q3c::jinja {

namespace {

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : t_(tokens) {}

  Body parseTemplate() {
    Body body = parseBody({});
    if (cur().type != TokenType::End) fail("unexpected '" + cur().value + "'");
    return body;
  }

 private:
  // ---- token helpers ----
  const Token& cur() const { return t_[pos_]; }
  const Token& peek(size_t k = 1) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  void advance() {
    if (pos_ + 1 < t_.size()) ++pos_;
  }
  bool isOp(const char* op) const { return cur().type == TokenType::Operator && cur().value == op; }
  bool isName(const char* name) const { return cur().type == TokenType::Name && cur().value == name; }
  bool skipOp(const char* op) {
    if (!isOp(op)) return false;
    advance();
    return true;
  }
  bool skipName(const char* name) {
    if (!isName(name)) return false;
    advance();
    return true;
  }
  [[noreturn]] void fail(const std::string& msg) const { throw TemplateError(msg, cur().line); }
  std::string describe(const Token& t) const {
    if (t.type == TokenType::Name || t.type == TokenType::Operator) return "'" + t.value + "'";
    return tokenTypeName(t.type);
  }
  void expectOp(const char* op) {
    if (!skipOp(op)) fail(std::string("expected '") + op + "', got " + describe(cur()));
  }
  std::string expectName() {
    if (cur().type != TokenType::Name) fail("expected a name, got " + describe(cur()));
    std::string n = cur().value;
    advance();
    return n;
  }
  void expectBlockEnd() {
    if (cur().type != TokenType::BlockEnd) fail("expected '%}', got " + describe(cur()));
    advance();
  }

  ExprPtr node(Expr::Kind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // ---- statements ----
  // Parses until a block tag whose name is in `ends` (left unconsumed: current is that name).
  Body parseBody(std::initializer_list<const char*> ends, const Stmt* opener = nullptr) {
    Body body;
    while (true) {
      const Token& tok = cur();
      if (tok.type == TokenType::End) {
        if (ends.size())
          fail(std::string("unexpected end of template: missing '{% ") + *(ends.end() - 1) + " %}'" +
               (opener ? " for the block opened on line " + std::to_string(opener->line) : std::string()));
        return body;
      }
      if (tok.type == TokenType::Text) {
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Text;
        s->line = tok.line;
        s->text = tok.value;
        body.push_back(std::move(s));
        advance();
      } else if (tok.type == TokenType::VariableBegin) {
        advance();
        auto s = std::make_unique<Stmt>();
        s->kind = Stmt::Kind::Output;
        s->line = tok.line;
        s->expr = parseTuple(true);
        if (cur().type != TokenType::VariableEnd) fail("expected '}}', got " + describe(cur()));
        advance();
        body.push_back(std::move(s));
      } else if (tok.type == TokenType::BlockBegin) {
        advance();
        if (cur().type != TokenType::Name) fail("expected a tag name after '{%', got " + describe(cur()));
        for (const char* e : ends)
          if (cur().value == e) return body;
        body.push_back(parseStatement());
      } else {
        fail("unexpected " + describe(tok));
      }
    }
  }

  StmtPtr parseStatement() {
    const Token& tok = cur();
    std::string tag = tok.value;
    auto s = std::make_unique<Stmt>();
    s->line = tok.line;
    advance();
    if (tag == "if") return parseIf(std::move(s));
    if (tag == "for") return parseFor(std::move(s));
    if (tag == "set") return parseSet(std::move(s));
    if (tag == "macro") return parseMacro(std::move(s));
    if (tag == "break" || tag == "continue") {
      s->kind = tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
      if (loopDepth_ == 0) throw TemplateError("'" + tag + "' outside a loop", s->line);
      expectBlockEnd();
      return s;
    }
    if (tag == "generation") {  // transformers' marker of assistant text: renders its body
      expectBlockEnd();
      s->kind = Stmt::Kind::Scope;
      s->body = parseBody({"endgeneration"}, s.get());
      advance();
      expectBlockEnd();
      return s;
    }
    static const char* const kEnds[] = {"endif", "endfor", "endset", "endmacro", "else", "elif", "endgeneration", "endraw"};
    for (const char* e : kEnds)
      if (tag == e) throw TemplateError("unexpected '{% " + tag + " %}' (no open block it closes)", s->line);
    throw TemplateError("unsupported tag '{% " + tag + " %}' (the chat-template subset has if, for, set, macro, break, "
                        "continue, raw, generation)", s->line);
  }

  StmtPtr parseIf(StmtPtr s) {
    s->kind = Stmt::Kind::If;
    s->conditions.push_back(parseTuple(false));
    expectBlockEnd();
    while (true) {
      s->bodies.push_back(parseBody({"elif", "else", "endif"}, s.get()));
      std::string which = cur().value;
      advance();
      if (which == "elif") {
        s->conditions.push_back(parseTuple(false));
        expectBlockEnd();
        continue;
      }
      if (which == "else") {
        expectBlockEnd();
        s->elseBody = parseBody({"endif"}, s.get());
        advance();
      }
      expectBlockEnd();
      return s;
    }
  }

  std::vector<std::string> parseTargets(const char* stopName) {
    std::vector<std::string> targets;
    bool paren = skipOp("(");
    do {
      targets.push_back(expectName());
    } while (skipOp(","));
    if (paren) expectOp(")");
    if (stopName && !isName(stopName)) fail(std::string("expected '") + stopName + "', got " + describe(cur()));
    return targets;
  }

  StmtPtr parseFor(StmtPtr s) {
    s->kind = Stmt::Kind::For;
    s->targets = parseTargets("in");
    advance();
    s->expr = parseTuple(false);
    if (skipName("if")) s->filter = parseExpression(true);
    if (isName("recursive")) fail("unsupported: recursive loops");
    expectBlockEnd();
    ++loopDepth_;
    s->body = parseBody({"else", "endfor"}, s.get());
    --loopDepth_;
    if (cur().value == "else") {
      advance();
      expectBlockEnd();
      s->elseBody = parseBody({"endfor"}, s.get());
    }
    advance();
    expectBlockEnd();
    return s;
  }

  StmtPtr parseSet(StmtPtr s) {
    s->kind = Stmt::Kind::Set;
    if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == ".") {
      s->targets.push_back(expectName());  // {% set ns.attr = value %}
      advance();
      s->text = expectName();
      expectOp("=");
      s->expr = parseTuple(true);
      expectBlockEnd();
      return s;
    }
    s->targets = parseTargets(nullptr);
    if (skipOp("=")) {
      s->expr = parseTuple(true);
      expectBlockEnd();
      return s;
    }
    if (s->targets.size() != 1) fail("a block set assigns one name");
    if (isOp("|")) fail("unsupported: filters on a block set");
    expectBlockEnd();
    s->kind = Stmt::Kind::SetBlock;
    s->body = parseBody({"endset"}, s.get());
    advance();
    expectBlockEnd();
    return s;
  }

  StmtPtr parseMacro(StmtPtr s) {
    s->kind = Stmt::Kind::Macro;
    s->text = expectName();
    expectOp("(");
    while (!isOp(")")) {
      if (!s->params.empty()) expectOp(",");
      std::string name = expectName();
      ExprPtr def;
      if (skipOp("=")) def = parseExpression(true);
      s->params.emplace_back(name, std::move(def));
    }
    advance();
    expectBlockEnd();
    int savedDepth = loopDepth_;
    loopDepth_ = 0;
    s->body = parseBody({"endmacro"}, s.get());
    loopDepth_ = savedDepth;
    advance();
    expectBlockEnd();
    return s;
  }

  // ---- expressions (Jinja2's precedence, loosest first) ----
  // A comma-separated list becomes a tuple.
  ExprPtr parseTuple(bool withCondition) {
    int line = cur().line;
    ExprPtr first = parseExpression(withCondition);
    if (!isOp(",")) return first;
    auto tuple = node(Expr::Kind::Tuple, line);
    tuple->items.push_back(std::move(first));
    while (skipOp(",")) {
      if (cur().type == TokenType::BlockEnd || cur().type == TokenType::VariableEnd || isOp(")")) break;
      tuple->items.push_back(parseExpression(withCondition));
    }
    return tuple;
  }

  ExprPtr parseExpression(bool withCondition) {
    int line = cur().line;
    ExprPtr expr = parseOr();
    if (!withCondition) return expr;
    while (skipName("if")) {
      auto cond = node(Expr::Kind::Condition, line);
      cond->items.push_back(parseOr());
      cond->items.push_back(std::move(expr));
      cond->items.push_back(skipName("else") ? parseExpression(true) : nullptr);
      expr = std::move(cond);
    }
    return expr;
  }

  ExprPtr binary(Expr::Kind kind, ExprPtr l, ExprPtr r, int line, std::string op = "") {
    auto e = node(kind, line);
    e->name = std::move(op);
    e->items.push_back(std::move(l));
    e->items.push_back(std::move(r));
    return e;
  }

  ExprPtr parseOr() {
    ExprPtr l = parseAnd();
    while (isName("or")) {
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::Or, std::move(l), parseAnd(), line);
    }
    return l;
  }

  ExprPtr parseAnd() {
    ExprPtr l = parseNot();
    while (isName("and")) {
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::And, std::move(l), parseNot(), line);
    }
    return l;
  }

  ExprPtr parseNot() {
    if (isName("not")) {
      auto e = node(Expr::Kind::Not, cur().line);
      advance();
      e->items.push_back(parseNot());
      return e;
    }
    return parseCompare();
  }

  ExprPtr parseCompare() {
    int line = cur().line;
    ExprPtr first = parseMath1();
    ExprPtr cmp;
    while (true) {
      std::string op;
      if (cur().type == TokenType::Operator &&
          (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == ">" || cur().value == "<=" ||
           cur().value == ">=")) {
        op = cur().value;
        advance();
      } else if (isName("in")) {
        op = "in";
        advance();
      } else if (isName("not") && peek().type == TokenType::Name && peek().value == "in") {
        op = "not in";
        advance();
        advance();
      } else {
        break;
      }
      if (!cmp) {
        cmp = node(Expr::Kind::Compare, line);
        cmp->items.push_back(std::move(first));
      }
      cmp->ops.push_back(op);
      cmp->items.push_back(parseMath1());
    }
    return cmp ? std::move(cmp) : std::move(first);
  }

  ExprPtr parseMath1() {
    ExprPtr l = parseConcat();
    while (isOp("+") || isOp("-")) {
      std::string op = cur().value;
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::Binary, std::move(l), parseConcat(), line, op);
    }
    return l;
  }

  ExprPtr parseConcat() {
    ExprPtr l = parseMath2();
    while (isOp("~")) {
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::Binary, std::move(l), parseMath2(), line, "~");
    }
    return l;
  }

  ExprPtr parseMath2() {
    ExprPtr l = parsePow();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      std::string op = cur().value;
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::Binary, std::move(l), parsePow(), line, op);
    }
    return l;
  }

  ExprPtr parsePow() {
    ExprPtr l = parseUnary(true);
    while (isOp("**")) {
      int line = cur().line;
      advance();
      l = binary(Expr::Kind::Binary, std::move(l), parseUnary(true), line, "**");
    }
    return l;
  }

  ExprPtr parseUnary(bool withFilter) {
    int line = cur().line;
    ExprPtr e;
    if (isOp("-") || isOp("+")) {
      e = node(isOp("-") ? Expr::Kind::Negate : Expr::Kind::Plus, line);
      advance();
      e->items.push_back(parseUnary(false));
    } else {
      e = parsePrimary();
    }
    e = parsePostfix(std::move(e));
    if (withFilter) e = parseFilterExpr(std::move(e));
    return e;
  }

  ExprPtr literal(Value v, int line) {
    auto e = node(Expr::Kind::Literal, line);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parsePrimary() {
    const Token& tok = cur();
    int line = tok.line;
    switch (tok.type) {
      case TokenType::Name: {
        std::string n = tok.value;
        advance();
        if (n == "true" || n == "True") return literal(Value(true), line);
        if (n == "false" || n == "False") return literal(Value(false), line);
        if (n == "none" || n == "None") return literal(Value(nullptr), line);
        auto e = node(Expr::Kind::Name, line);
        e->name = n;
        return e;
      }
      case TokenType::String: {
        std::string s;
        while (cur().type == TokenType::String) {  // adjacent literals concatenate
          s += cur().value;
          advance();
        }
        return literal(Value(s), line);
      }
      case TokenType::Integer: {
        std::string text = tok.value;
        advance();
        try {
          return literal(Value(static_cast<int64_t>(std::stoll(text))), line);
        } catch (const std::exception&) {
          throw TemplateError("integer literal " + text + " is too large", line);
        }
      }
      case TokenType::Float: {
        std::string text = tok.value;
        advance();
        return literal(Value(std::stod(text)), line);
      }
      case TokenType::Operator:
        if (tok.value == "(") {
          advance();
          if (skipOp(")")) return node(Expr::Kind::Tuple, line);
          ExprPtr inner = parseTuple(true);
          expectOp(")");
          return inner;
        }
        if (tok.value == "[") {
          advance();
          auto list = node(Expr::Kind::List, line);
          while (!isOp("]")) {
            if (!list->items.empty()) {
              expectOp(",");
              if (isOp("]")) break;
            }
            list->items.push_back(parseExpression(true));
          }
          advance();
          return list;
        }
        if (tok.value == "{") {
          advance();
          auto dict = node(Expr::Kind::Dict, line);
          while (!isOp("}")) {
            if (!dict->items.empty()) {
              expectOp(",");
              if (isOp("}")) break;
            }
            dict->items.push_back(parseExpression(true));
            expectOp(":");
            dict->items.push_back(parseExpression(true));
          }
          advance();
          return dict;
        }
        break;
      default: break;
    }
    fail("unexpected " + describe(tok) + " in an expression");
  }

  ExprPtr parsePostfix(ExprPtr e) {
    while (true) {
      int line = cur().line;
      if (isOp(".")) {
        advance();
        if (cur().type == TokenType::Integer) {  // x.0 is x[0]
          auto item = node(Expr::Kind::Item, line);
          item->items.push_back(std::move(e));
          item->items.push_back(literal(Value(static_cast<int64_t>(std::stoll(cur().value))), line));
          advance();
          e = std::move(item);
          continue;
        }
        auto attr = node(Expr::Kind::Attr, line);
        attr->name = expectName();
        attr->items.push_back(std::move(e));
        e = std::move(attr);
      } else if (isOp("[")) {
        advance();
        e = parseSubscript(std::move(e), line);
      } else if (isOp("(")) {
        e = parseCall(std::move(e));
      } else {
        return e;
      }
    }
  }

  ExprPtr parseSubscript(ExprPtr target, int line) {
    ExprPtr parts[3];
    bool slice = false;
    if (!isOp(":")) parts[0] = parseExpression(true);
    if (skipOp(":")) {
      slice = true;
      if (!isOp(":") && !isOp("]")) parts[1] = parseExpression(true);
      if (skipOp(":") && !isOp("]")) parts[2] = parseExpression(true);
    }
    expectOp("]");
    auto e = node(slice ? Expr::Kind::Slice : Expr::Kind::Item, line);
    e->items.push_back(std::move(target));
    if (slice)
      for (auto& p : parts) e->items.push_back(std::move(p));
    else
      e->items.push_back(std::move(parts[0]));
    return e;
  }

  // Arguments in parentheses: positional first, then name=value.
  void parseArgs(Expr& e) {
    expectOp("(");
    bool first = true;
    while (!isOp(")")) {
      if (!first) {
        expectOp(",");
        if (isOp(")")) break;
      }
      first = false;
      if (isOp("*") || isOp("**")) fail("unsupported: *args and **kwargs in calls");
      if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == "=") {
        std::string key = expectName();
        advance();
        e.kwargs.emplace_back(key, parseExpression(true));
      } else {
        if (!e.kwargs.empty()) fail("a positional argument follows a keyword argument");
        e.items.push_back(parseExpression(true));
      }
    }
    advance();
  }

  ExprPtr parseCall(ExprPtr callee) {
    auto call = node(Expr::Kind::Call, cur().line);
    call->items.push_back(std::move(callee));
    parseArgs(*call);
    return call;
  }

  ExprPtr parseFilterExpr(ExprPtr e) {
    while (true) {
      int line = cur().line;
      if (isOp("|")) {
        advance();
        auto f = node(Expr::Kind::Filter, line);
        f->name = expectName();
        if (!isKnownFilter(f->name)) throw TemplateError("unsupported filter '" + f->name + "'", line);
        f->items.push_back(std::move(e));
        if (isOp("(")) parseArgs(*f);
        e = std::move(f);
      } else if (isName("is")) {
        advance();
        auto t = node(Expr::Kind::Test, line);
        t->negated = skipName("not");
        t->name = expectName();
        if (!isKnownTest(t->name)) throw TemplateError("unsupported test '" + t->name + "'", line);
        t->items.push_back(std::move(e));
        if (isOp("(")) {
          parseArgs(*t);
        } else if ((cur().type == TokenType::Name || cur().type == TokenType::String || cur().type == TokenType::Integer ||
                    cur().type == TokenType::Float || isOp("[") || isOp("{")) &&
                   !isName("else") && !isName("or") && !isName("and") && !isName("if") && !isName("in") && !isName("not")) {
          t->items.push_back(parsePostfix(parsePrimary()));  // `x is divisibleby 3`
        }
        e = std::move(t);
      } else if (isOp("(")) {
        e = parseCall(std::move(e));
      } else {
        return e;
      }
    }
  }

  const std::vector<Token>& t_;
  size_t pos_ = 0;
  int loopDepth_ = 0;
};

}  // namespace

Body parse(const std::vector<Token>& tokens) { return Parser(tokens).parseTemplate(); }

}  // namespace q3c::jinja
