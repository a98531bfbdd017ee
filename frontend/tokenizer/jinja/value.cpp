#include "frontend/tokenizer/jinja/value.h"

namespace q3c::jinja {

Value Value::fromJson(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value(nullptr);
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      auto u = j.get<uint64_t>();
      return u <= static_cast<uint64_t>(INT64_MAX) ? Value(static_cast<int64_t>(u)) : Value(static_cast<double>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List l;
      l.reserve(j.size());
      for (const auto& e : j) l.push_back(fromJson(e));
      return Value(std::move(l));
    }
    case nlohmann::ordered_json::value_t::object: {
      auto d = std::make_shared<Dict>();
      d->items.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d->items.emplace_back(Value(it.key()), fromJson(it.value()));
      return Value(std::move(d));
    }
    default: return Value(nullptr);
  }
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return asBool();
    case Kind::Int: return asInt() != 0;
    case Kind::Float: return asDouble() != 0.0;
    case Kind::String: return !asString().empty();
    case Kind::List: return !asList().empty();
    case Kind::Dict: return !asDict().items.empty();
    default: return true;
  }
}

std::string Value::typeName() const {
  switch (kind()) {
    case Kind::Undefined: return "undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Callable: return "function";
  }
  return "?";
}

void Value::failUndefined() const { throw TemplateError(undefinedHint().empty() ? "a value is undefined" : undefinedHint()); }

const Value* Dict::find(const Value& key) const {
  for (const auto& [k, v] : items)
    if (equals(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(const std::string& key) const {
  for (const auto& [k, v] : items)
    if (k.isString() && k.asString() == key) return &v;
  return nullptr;
}

void Dict::set(Value key, Value value) {
  for (auto& [k, v] : items)
    if (equals(k, key)) {
      v = std::move(value);
      return;
    }
  items.emplace_back(std::move(key), std::move(value));
}

Value makeDict(std::vector<std::pair<Value, Value>> items) {
  auto d = std::make_shared<Dict>();
  for (auto& [k, v] : items) d->set(std::move(k), std::move(v));
  return Value(std::move(d));
}

Value CallArgs::get(size_t index, const std::string& name, Value fallback) const {
  if (index < positional.size()) return positional[index];
  for (const auto& [k, v] : keyword)
    if (k == name) return v;
  return fallback;
}

bool CallArgs::has(size_t index, const std::string& name) const {
  if (index < positional.size()) return true;
  for (const auto& kv : keyword)
    if (kv.first == name) return true;
  return false;
}

void CallArgs::expectAtMost(size_t maxPositional, std::initializer_list<const char*> keywords) const {
  if (positional.size() > maxPositional)
    throw TemplateError(what + " takes at most " + std::to_string(maxPositional) + " positional argument" +
                        (maxPositional == 1 ? "" : "s") + ", got " + std::to_string(positional.size()));
  for (const auto& kv : keyword) {
    bool known = false;
    for (const char* k : keywords) known = known || kv.first == k;
    if (!known) throw TemplateError(what + " got an unexpected keyword argument '" + kv.first + "'");
  }
}

bool equals(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (a.isNumber() && b.isNumber()) {
    if (a.isFloat() || b.isFloat()) return a.asDouble() == b.asDouble();
    return a.asInt() == b.asInt();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::Undefined:
    case K::None: return true;
    case K::String: return a.asString() == b.asString();
    case K::List: {
      const List &x = a.asList(), &y = b.asList();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case K::Dict: {
      const Dict &x = a.asDict(), &y = b.asDict();
      if (x.items.size() != y.items.size()) return false;
      for (const auto& [k, v] : x.items) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    case K::Namespace: return &a.asNamespace() == &b.asNamespace();
    case K::Callable: return &a.asCallable() == &b.asCallable();
    default: return false;
  }
}

bool lessThan(const Value& a, const Value& b) {
  if (a.isNumber() && b.isNumber()) {
    if (a.isFloat() || b.isFloat()) return a.asDouble() < b.asDouble();
    return a.asInt() < b.asInt();
  }
  if (a.isString() && b.isString()) return a.asString() < b.asString();  // UTF-8 order = code point order
  if (a.isList() && b.isList()) {
    const List &x = a.asList(), &y = b.asList();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (lessThan(x[i], y[i])) return true;
      if (lessThan(y[i], x[i])) return false;
    }
    return x.size() < y.size();
  }
  if (a.isUndefined()) a.failUndefined();
  if (b.isUndefined()) b.failUndefined();
  throw TemplateError("'<' not supported between instances of '" + a.typeName() + "' and '" + b.typeName() + "'");
}

}  // namespace q3c::jinja
