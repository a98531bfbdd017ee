// The tests of `x is name`: Jinja2's built-in tests.
#include <map>

#include "frontend/tokenizer/jinja/builtins.h"
#include "frontend/tokenizer/jinja/py_string.h"

namespace q3c::jinja {

namespace {

using TestFn = bool (*)(const Value&, CallArgs&);

const Value& onlyArg(CallArgs& a) {
  a.expectAtMost(1, {});
  if (a.positional.empty()) throw TemplateError(a.what + " takes one argument");
  return a.positional[0];
}

void noArgs(CallArgs& a) { a.expectAtMost(0, {}); }

int64_t integer(const Value& v, const std::string& what) {
  if (!v.isInt() && !v.isBool()) throw TemplateError(what + " needs an integer, got " + v.typeName());
  return v.asInt();
}

const std::map<std::string, TestFn>& tests() {
  static const std::map<std::string, TestFn> table = {
      {"defined", [](const Value& v, CallArgs& a) { noArgs(a); return !v.isUndefined(); }},
      {"undefined", [](const Value& v, CallArgs& a) { noArgs(a); return v.isUndefined(); }},
      {"none", [](const Value& v, CallArgs& a) { noArgs(a); return v.isNone(); }},
      {"boolean", [](const Value& v, CallArgs& a) { noArgs(a); return v.isBool(); }},
      {"true", [](const Value& v, CallArgs& a) { noArgs(a); return v.isBool() && v.asBool(); }},
      {"false", [](const Value& v, CallArgs& a) { noArgs(a); return v.isBool() && !v.asBool(); }},
      {"integer", [](const Value& v, CallArgs& a) { noArgs(a); return v.isInt(); }},
      {"float", [](const Value& v, CallArgs& a) { noArgs(a); return v.isFloat(); }},
      {"number", [](const Value& v, CallArgs& a) { noArgs(a); return v.isNumber(); }},
      {"string", [](const Value& v, CallArgs& a) { noArgs(a); return v.isString(); }},
      {"mapping", [](const Value& v, CallArgs& a) { noArgs(a); return v.isDict(); }},
      {"iterable", [](const Value& v, CallArgs& a) { noArgs(a); return v.isList() || v.isDict() || v.isString() || v.isUndefined(); }},
      {"sequence", [](const Value& v, CallArgs& a) { noArgs(a); return v.isList() || v.isDict() || v.isString(); }},
      {"callable", [](const Value& v, CallArgs& a) { noArgs(a); return v.isCallable(); }},
      {"escaped", [](const Value&, CallArgs& a) { noArgs(a); return false; }},
      {"odd", [](const Value& v, CallArgs& a) { noArgs(a); return integer(v, "odd") % 2 != 0; }},
      {"even", [](const Value& v, CallArgs& a) { noArgs(a); return integer(v, "even") % 2 == 0; }},
      {"divisibleby", [](const Value& v, CallArgs& a) {
         int64_t d = integer(onlyArg(a), "divisibleby");
         if (d == 0) throw TemplateError("divisibleby 0");
         return integer(v, "divisibleby") % d == 0;
       }},
      {"lower", [](const Value& v, CallArgs& a) { noArgs(a); return v.isString() && pyLower(v.asString()) == v.asString(); }},
      {"upper", [](const Value& v, CallArgs& a) { noArgs(a); return v.isString() && pyUpper(v.asString()) == v.asString(); }},
      {"sameas", [](const Value& v, CallArgs& a) {
         const Value& o = onlyArg(a);
         // Python's `is`: identity for containers, equality for singletons and small values.
         if (v.kind() != o.kind()) return false;
         if (v.isList()) return &v.asList() == &o.asList();
         if (v.isDict()) return &v.asDict() == &o.asDict();
         return equals(v, o);
       }},
      {"in", [](const Value& v, CallArgs& a) { return contains(onlyArg(a), v); }},
      {"eq", [](const Value& v, CallArgs& a) { return equals(v, onlyArg(a)); }},
      {"equalto", [](const Value& v, CallArgs& a) { return equals(v, onlyArg(a)); }},
      {"==", [](const Value& v, CallArgs& a) { return equals(v, onlyArg(a)); }},
      {"ne", [](const Value& v, CallArgs& a) { return !equals(v, onlyArg(a)); }},
      {"!=", [](const Value& v, CallArgs& a) { return !equals(v, onlyArg(a)); }},
      {"lt", [](const Value& v, CallArgs& a) { return lessThan(v, onlyArg(a)); }},
      {"lessthan", [](const Value& v, CallArgs& a) { return lessThan(v, onlyArg(a)); }},
      {"<", [](const Value& v, CallArgs& a) { return lessThan(v, onlyArg(a)); }},
      {"le", [](const Value& v, CallArgs& a) { return !lessThan(onlyArg(a), v); }},
      {"<=", [](const Value& v, CallArgs& a) { return !lessThan(onlyArg(a), v); }},
      {"gt", [](const Value& v, CallArgs& a) { return lessThan(onlyArg(a), v); }},
      {"greaterthan", [](const Value& v, CallArgs& a) { return lessThan(onlyArg(a), v); }},
      {">", [](const Value& v, CallArgs& a) { return lessThan(onlyArg(a), v); }},
      {"ge", [](const Value& v, CallArgs& a) { return !lessThan(v, onlyArg(a)); }},
      {">=", [](const Value& v, CallArgs& a) { return !lessThan(v, onlyArg(a)); }},
  };
  return table;
}

}  // namespace

bool isKnownTest(const std::string& name) { return tests().count(name) != 0; }

bool applyTest(const std::string& name, const Value& input, CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) throw TemplateError("unsupported test '" + name + "'");
  if (args.what.empty()) args.what = "test '" + name + "'";
  return it->second(input, args);
}

}  // namespace q3c::jinja
