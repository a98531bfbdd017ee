// Arithmetic with Python's rules: int stays int (floor division and modulo round toward -inf),
// / gives a float, + joins strings and lists, * repeats them, ~ joins the str() of both sides.
#include <cmath>

#include "frontend/tokenizer/jinja/builtins.h"
#include "frontend/tokenizer/jinja/py_format.h"

namespace q3c::jinja {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
  if (a.isUndefined()) a.failUndefined();
  if (b.isUndefined()) b.failUndefined();
  throw TemplateError("unsupported operand type(s) for " + op + ": '" + a.typeName() + "' and '" + b.typeName() + "'");
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value repeat(const Value& seq, int64_t n) {
  if (n <= 0) return seq.isString() ? Value(std::string()) : Value(List{});
  if (seq.isString()) {
    if (seq.asString().size() * static_cast<size_t>(n) > (64u << 20)) throw TemplateError("string repetition too large");
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += seq.asString();
    return Value(out);
  }
  if (seq.asList().size() * static_cast<size_t>(n) > (1u << 20)) throw TemplateError("list repetition too large");
  List out;
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), seq.asList().begin(), seq.asList().end());
  return Value(std::move(out));
}

}  // namespace

Value binaryOperator(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value(pyStr(a) + pyStr(b));  // undefined joins as ""
  bool numbers = a.isNumber() && b.isNumber();
  bool floats = numbers && (a.isFloat() || b.isFloat());
  if (op == "+") {
    if (numbers) return floats ? Value(a.asDouble() + b.asDouble()) : Value(a.asInt() + b.asInt());
    if (a.isString() && b.isString()) return Value(a.asString() + b.asString());
    if (a.isList() && b.isList()) {
      List out = a.asList();
      out.insert(out.end(), b.asList().begin(), b.asList().end());
      return Value(std::move(out));
    }
    unsupported(op, a, b);
  }
  if (op == "*") {
    if (numbers) return floats ? Value(a.asDouble() * b.asDouble()) : Value(a.asInt() * b.asInt());
    if ((a.isString() || a.isList()) && (b.isInt() || b.isBool())) return repeat(a, b.asInt());
    if ((b.isString() || b.isList()) && (a.isInt() || a.isBool())) return repeat(b, a.asInt());
    unsupported(op, a, b);
  }
  if (!numbers) unsupported(op, a, b);
  if (op == "-") return floats ? Value(a.asDouble() - b.asDouble()) : Value(a.asInt() - b.asInt());
  if (op == "**") {
    if (!floats && b.asInt() >= 0) {
      int64_t r = 1;
      for (int64_t i = 0; i < b.asInt(); ++i) r *= a.asInt();
      return Value(r);
    }
    return Value(std::pow(a.asDouble(), b.asDouble()));
  }
  bool zero = floats ? b.asDouble() == 0.0 : b.asInt() == 0;
  if (zero) throw TemplateError(op == "%" ? "integer modulo by zero" : "division by zero");
  if (op == "/") return Value(a.asDouble() / b.asDouble());
  if (op == "//") {
    if (floats) return Value(std::floor(a.asDouble() / b.asDouble()));
    return Value(floorDiv(a.asInt(), b.asInt()));
  }
  if (op == "%") {
    if (floats) {
      double r = std::fmod(a.asDouble(), b.asDouble());
      if (r != 0 && ((r < 0) != (b.asDouble() < 0))) r += b.asDouble();
      return Value(r);
    }
    return Value(a.asInt() - floorDiv(a.asInt(), b.asInt()) * b.asInt());
  }
  throw TemplateError("unknown operator '" + op + "'");
}

}  // namespace q3c::jinja
