#include "frontend/tokenizer/jinja/interpreter.h"

#include <unordered_map>

#include "frontend/tokenizer/jinja/builtins.h"
#include "frontend/tokenizer/jinja/py_format.h"

namespace q3c::jinja {

namespace {

struct Frame {
  std::unordered_map<std::string, Value> vars;
  const Frame* parent = nullptr;

  const Value* find(const std::string& name) const {
    for (const Frame* f = this; f; f = f->parent) {
      auto it = f->vars.find(name);
      if (it != f->vars.end()) return &it->second;
    }
    return nullptr;
  }
};

enum class Flow { Normal, Break, Continue };

class Interpreter {
 public:
  explicit Interpreter(const Value& context) {
    if (context.isDict())
      for (const auto& [k, v] : context.asDict().items)
        if (k.isString()) root_.vars[k.asString()] = v;
  }

  std::string run(const Body& program) {
    std::string out;
    exec(program, root_, out);
    return out;
  }

 private:
  Flow exec(const Body& body, Frame& frame, std::string& out) {
    for (const StmtPtr& s : body) {
      Flow f = execStatement(*s, frame, out);
      if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
  }

  Flow execStatement(const Stmt& s, Frame& frame, std::string& out) {
    try {
      switch (s.kind) {
        case Stmt::Kind::Text: out += s.text; return Flow::Normal;
        case Stmt::Kind::Output: out += pyStr(eval(*s.expr, frame)); return Flow::Normal;
        case Stmt::Kind::If:
          for (size_t i = 0; i < s.conditions.size(); ++i)
            if (eval(*s.conditions[i], frame).truthy()) return exec(s.bodies[i], frame, out);
          return exec(s.elseBody, frame, out);
        case Stmt::Kind::For: return execFor(s, frame, out);
        case Stmt::Kind::Set: execSet(s, frame); return Flow::Normal;
        case Stmt::Kind::SetBlock: {
          std::string captured;
          exec(s.body, frame, captured);
          frame.vars[s.targets[0]] = Value(captured);
          return Flow::Normal;
        }
        case Stmt::Kind::Macro: defineMacro(s, frame); return Flow::Normal;
        case Stmt::Kind::Break: return Flow::Break;
        case Stmt::Kind::Continue: return Flow::Continue;
        case Stmt::Kind::Scope: return exec(s.body, frame, out);
      }
    } catch (TemplateError& e) {
      if (e.line == 0) e.line = s.line;
      throw;
    }
    return Flow::Normal;
  }

  void assign(Frame& frame, const std::vector<std::string>& targets, const Value& v, int line) {
    if (targets.size() == 1) {
      frame.vars[targets[0]] = v;
      return;
    }
    List items = iterate(v);
    if (items.size() != targets.size())
      throw TemplateError("cannot unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) +
                          " names", line);
    for (size_t i = 0; i < targets.size(); ++i) frame.vars[targets[i]] = items[i];
  }

  void execSet(const Stmt& s, Frame& frame) {
    Value v = eval(*s.expr, frame);
    if (s.text.empty()) {
      assign(frame, s.targets, v, s.line);
      return;
    }
    const Value* target = frame.find(s.targets[0]);
    if (!target || !target->isNamespace())
      throw TemplateError("cannot assign attribute '" + s.text + "' on '" + s.targets[0] +
                          "': only namespace() objects take attributes", s.line);
    target->asNamespace().attrs.set(Value(s.text), v);
  }

  Flow execFor(const Stmt& s, Frame& frame, std::string& out) {
    List items = iterate(eval(*s.expr, frame));
    if (s.filter) {  // `for x in xs if cond`: filtered before the loop counts
      List kept;
      for (const Value& item : items) {
        Frame probe{{}, &frame};
        assign(probe, s.targets, item, s.line);
        if (eval(*s.filter, probe).truthy()) kept.push_back(item);
      }
      items.swap(kept);
    }
    if (items.empty()) return exec(s.elseBody, frame, out);
    const auto n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
      Frame body{{}, &frame};
      assign(body, s.targets, items[static_cast<size_t>(i)], s.line);
      body.vars["loop"] = loopObject(items, i);
      Flow f = exec(s.body, body, out);
      if (f == Flow::Break) break;
    }
    return Flow::Normal;
  }

  static Value loopObject(const List& items, int64_t i) {
    const auto n = static_cast<int64_t>(items.size());
    auto cycle = Value::function("loop.cycle", [i](CallArgs& a) -> Value {
      if (a.positional.empty()) throw TemplateError("loop.cycle() needs at least one value");
      return a.positional[static_cast<size_t>(i) % a.positional.size()];
    });
    return makeDict({
        {Value("index0"), Value(i)},
        {Value("index"), Value(i + 1)},
        {Value("revindex0"), Value(n - i - 1)},
        {Value("revindex"), Value(n - i)},
        {Value("first"), Value(i == 0)},
        {Value("last"), Value(i == n - 1)},
        {Value("length"), Value(n)},
        {Value("depth"), Value(static_cast<int64_t>(1))},
        {Value("depth0"), Value(static_cast<int64_t>(0))},
        {Value("previtem"), i > 0 ? items[static_cast<size_t>(i - 1)] : Value::undefined("there is no previous item")},
        {Value("nextitem"), i + 1 < n ? items[static_cast<size_t>(i + 1)] : Value::undefined("there is no next item")},
        {Value("cycle"), cycle},
    });
  }

  void defineMacro(const Stmt& s, Frame& frame) {
    const Stmt* macro = &s;
    frame.vars[s.text] = Value::function(s.text, [this, macro](CallArgs& a) -> Value {
      if (++depth_ > 100) throw TemplateError("macro '" + macro->text + "' nests too deeply");
      Frame local{{}, &root_};
      const auto& params = macro->params;
      if (a.positional.size() > params.size())
        throw TemplateError("macro '" + macro->text + "' takes " + std::to_string(params.size()) + " arguments, got " +
                            std::to_string(a.positional.size()));
      for (size_t i = 0; i < params.size(); ++i) {
        if (i < a.positional.size()) local.vars[params[i].first] = a.positional[i];
        else local.vars[params[i].first] = params[i].second ? eval(*params[i].second, local)
                                                            : Value::undefined("'" + params[i].first + "' is undefined");
      }
      for (auto& [k, v] : a.keyword) {
        bool known = false;
        for (const auto& p : params) known = known || p.first == k;
        if (!known) throw TemplateError("macro '" + macro->text + "' has no argument '" + k + "'");
        local.vars[k] = v;
      }
      std::string out;
      exec(macro->body, local, out);
      --depth_;
      return Value(out);
    });
  }

  CallArgs evalArgs(const Expr& e, size_t firstArg, Frame& frame) {
    CallArgs a;
    for (size_t i = firstArg; i < e.items.size(); ++i) a.positional.push_back(eval(*e.items[i], frame));
    for (const auto& [k, v] : e.kwargs) a.keyword.emplace_back(k, eval(*v, frame));
    return a;
  }

  Value eval(const Expr& e, Frame& frame) {
    try {
      return evalInner(e, frame);
    } catch (TemplateError& err) {
      if (err.line == 0) err.line = e.line;
      throw;
    }
  }

  Value lookup(const std::string& name, Frame& frame) {
    if (const Value* v = frame.find(name)) return *v;
    Value g = globalFunction(name);
    if (!g.isUndefined()) return g;
    return Value::undefined("'" + name + "' is undefined");
  }

  Value evalInner(const Expr& e, Frame& frame) {
    using K = Expr::Kind;
    switch (e.kind) {
      case K::Literal: return e.value;
      case K::Name: return lookup(e.name, frame);
      case K::List:
      case K::Tuple: {
        List l;
        for (const auto& item : e.items) l.push_back(eval(*item, frame));
        return e.kind == K::Tuple ? Value::tuple(std::move(l)) : Value(std::move(l));
      }
      case K::Dict: {
        auto d = std::make_shared<Dict>();
        for (size_t i = 0; i + 1 < e.items.size(); i += 2) d->set(eval(*e.items[i], frame), eval(*e.items[i + 1], frame));
        return Value(d);
      }
      case K::Attr: return getAttribute(eval(*e.items[0], frame), e.name);
      case K::Item: return getItem(eval(*e.items[0], frame), eval(*e.items[1], frame));
      case K::Slice: {
        auto part = [&](size_t i) { return e.items[i] ? eval(*e.items[i], frame) : Value(nullptr); };
        return getSlice(eval(*e.items[0], frame), part(1), part(2), part(3));
      }
      case K::Call: {
        Value callee = eval(*e.items[0], frame);
        if (callee.isUndefined()) callee.failUndefined();
        if (!callee.isCallable()) throw TemplateError("'" + callee.typeName() + "' object is not callable");
        CallArgs a = evalArgs(e, 1, frame);
        a.what = callee.asCallable().name + "()";
        return callee.asCallable().fn(a);
      }
      case K::Filter: {
        Value input = eval(*e.items[0], frame);
        CallArgs a = evalArgs(e, 1, frame);
        return applyFilter(e.name, input, a);
      }
      case K::Test: {
        Value input = eval(*e.items[0], frame);
        CallArgs a = evalArgs(e, 1, frame);
        return Value(applyTest(e.name, input, a) != e.negated);
      }
      case K::Not: return Value(!eval(*e.items[0], frame).truthy());
      case K::Negate:
      case K::Plus: {
        Value v = eval(*e.items[0], frame);
        if (v.isUndefined()) v.failUndefined();
        if (!v.isNumber()) throw TemplateError("bad operand type for unary " + std::string(e.kind == K::Negate ? "-" : "+") + ": '" + v.typeName() + "'");
        if (e.kind == K::Plus) return v.isBool() ? Value(v.asInt()) : v;
        return v.isFloat() ? Value(-v.asDouble()) : Value(-v.asInt());
      }
      case K::Binary: return binaryOperator(e.name, eval(*e.items[0], frame), eval(*e.items[1], frame));
      case K::And: {  // Python returns the deciding operand, not a bool
        Value l = eval(*e.items[0], frame);
        return l.truthy() ? eval(*e.items[1], frame) : l;
      }
      case K::Or: {
        Value l = eval(*e.items[0], frame);
        return l.truthy() ? l : eval(*e.items[1], frame);
      }
      case K::Compare: {
        Value left = eval(*e.items[0], frame);
        for (size_t i = 0; i < e.ops.size(); ++i) {
          Value right = eval(*e.items[i + 1], frame);
          const std::string& op = e.ops[i];
          bool r;
          if (op == "==") r = equals(left, right);
          else if (op == "!=") r = !equals(left, right);
          else if (op == "<") r = lessThan(left, right);
          else if (op == ">") r = lessThan(right, left);
          else if (op == "<=") r = !lessThan(right, left);
          else if (op == ">=") r = !lessThan(left, right);
          else if (op == "in") r = contains(right, left);
          else r = !contains(right, left);  // not in
          if (!r) return Value(false);
          left = std::move(right);
        }
        return Value(true);
      }
      case K::Condition: {
        if (eval(*e.items[0], frame).truthy()) return eval(*e.items[1], frame);
        return e.items[2] ? eval(*e.items[2], frame) : Value::undefined("the condition was false and there is no else");
      }
    }
    throw TemplateError("unknown expression");
  }

  Frame root_;
  int depth_ = 0;
};

}  // namespace

std::string render(const Body& program, const Value& context) { return Interpreter(context).run(program); }

}  // namespace q3c::jinja
