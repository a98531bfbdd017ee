// Values of the Jinja subset: Python's data model as templates see it (None, bool, int, float,
// str, list, dict in insertion order), plus Jinja's Undefined, namespace() objects and callables.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace q3c::jinja {

// An error while parsing or rendering; line 0 means "not known yet" (the caller fills it in).
struct TemplateError : std::runtime_error {
  int line;
  explicit TemplateError(const std::string& message, int line = 0) : std::runtime_error(message), line(line) {}
};

class Value;
using List = std::vector<Value>;
struct Dict;
struct Namespace;
struct CallArgs;
using Function = std::function<Value(CallArgs&)>;
struct Callable {
  std::string name;
  Function fn;
};
struct Undefined {
  std::string hint;  // what was looked up, for the error when it is used
};

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

  Value() : v_(Undefined{}) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(List l) : v_(std::make_shared<List>(std::move(l))) {}
  Value(std::shared_ptr<Dict> d) : v_(std::move(d)) {}
  Value(std::shared_ptr<Namespace> n) : v_(std::move(n)) {}
  Value(std::shared_ptr<Callable> c) : v_(std::move(c)) {}
  // A tuple is a list that prints as (a, b), as items() and dictsort give.
  static Value tuple(List l) {
    Value v(std::move(l));
    v.tuple_ = true;
    return v;
  }
  static Value undefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value function(std::string name, Function fn) {
    return Value(std::make_shared<Callable>(Callable{std::move(name), std::move(fn)}));
  }
  static Value fromJson(const nlohmann::ordered_json& j);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool isUndefined() const { return kind() == Kind::Undefined; }
  bool isNone() const { return kind() == Kind::None; }
  bool isBool() const { return kind() == Kind::Bool; }
  bool isInt() const { return kind() == Kind::Int; }
  bool isFloat() const { return kind() == Kind::Float; }
  bool isNumber() const { return isInt() || isFloat() || isBool(); }  // bool is an int in Python
  bool isString() const { return kind() == Kind::String; }
  bool isList() const { return kind() == Kind::List; }
  bool isDict() const { return kind() == Kind::Dict; }
  bool isNamespace() const { return kind() == Kind::Namespace; }
  bool isCallable() const { return kind() == Kind::Callable; }
  bool isTuple() const { return tuple_; }

  bool asBool() const { return std::get<bool>(v_); }
  int64_t asInt() const { return isBool() ? static_cast<int64_t>(asBool()) : std::get<int64_t>(v_); }
  double asDouble() const { return isFloat() ? std::get<double>(v_) : static_cast<double>(asInt()); }
  const std::string& asString() const { return std::get<std::string>(v_); }
  const List& asList() const { return *std::get<std::shared_ptr<List>>(v_); }
  const Dict& asDict() const { return *std::get<std::shared_ptr<Dict>>(v_); }
  Namespace& asNamespace() const { return *std::get<std::shared_ptr<Namespace>>(v_); }
  const Callable& asCallable() const { return *std::get<std::shared_ptr<Callable>>(v_); }
  const std::string& undefinedHint() const { return std::get<Undefined>(v_).hint; }

  bool truthy() const;
  // Python's type name, for error messages.
  std::string typeName() const;
  // Throws the UndefinedError Jinja raises when an undefined value is used for more than
  // printing, testing or iterating.
  [[noreturn]] void failUndefined() const;

 private:
  explicit Value(Undefined u) : v_(std::move(u)) {}
  std::variant<Undefined, std::nullptr_t, bool, int64_t, double, std::string, std::shared_ptr<List>,
               std::shared_ptr<Dict>, std::shared_ptr<Namespace>, std::shared_ptr<Callable>>
      v_;
  bool tuple_ = false;
};

// A dict keeps insertion order, like Python's. Lookups are linear: template dicts are small.
struct Dict {
  std::vector<std::pair<Value, Value>> items;
  const Value* find(const Value& key) const;
  const Value* find(const std::string& key) const;
  void set(Value key, Value value);
};

struct Namespace {
  Dict attrs;
};

// Arguments of a call, filter, test or method.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  std::string what;  // "filter 'join'", for messages

  // The argument at `index` or named `name`; `fallback` when neither is given.
  Value get(size_t index, const std::string& name, Value fallback = Value()) const;
  bool has(size_t index, const std::string& name) const;
  // Fails when more than `maxPositional` positional arguments or an unknown keyword is given.
  void expectAtMost(size_t maxPositional, std::initializer_list<const char*> keywords) const;
};

bool equals(const Value& a, const Value& b);
// Python's < for numbers, strings and lists; throws TemplateError for other pairs.
bool lessThan(const Value& a, const Value& b);

Value makeDict(std::vector<std::pair<Value, Value>> items = {});

}  // namespace q3c::jinja
