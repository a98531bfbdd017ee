// Member access, indexing, slicing, iteration and the str/dict/list methods templates call.
#include <unicode/uchar.h>

#include <algorithm>
#include <ctime>

#include "frontend/tokenizer/jinja/builtins.h"
#include "frontend/tokenizer/jinja/py_format.h"
#include "frontend/tokenizer/jinja/py_string.h"

namespace q3c::jinja {

namespace {

std::optional<std::string> optionalString(const Value& v, const std::string& what) {
  if (v.isUndefined() || v.isNone()) return std::nullopt;
  if (!v.isString()) throw TemplateError(what + " must be a string or None, not " + v.typeName());
  return v.asString();
}

const std::string& stringArg(const Value& v, const std::string& what) {
  if (!v.isString()) throw TemplateError(what + " must be a string, not " + v.typeName());
  return v.asString();
}

int64_t intArg(const Value& v, const std::string& what) {
  if (!v.isInt() && !v.isBool()) throw TemplateError(what + " must be an integer, not " + v.typeName());
  return v.asInt();
}

List stringList(const std::vector<std::string>& parts) {
  List l;
  l.reserve(parts.size());
  for (const auto& p : parts) l.emplace_back(p);
  return l;
}

// startswith/endswith take a string or a tuple (list) of strings.
bool affixMatch(const std::string& s, const Value& affix, bool prefix, const std::string& what) {
  auto one = [&](const Value& a) {
    const std::string& x = stringArg(a, what);
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.isList()) return std::any_of(affix.asList().begin(), affix.asList().end(), one);
  return one(affix);
}

Value stringMethod(const std::string& s, const std::string& name) {
  auto bind = [&](auto fn) {
    return Value::function("str." + name, [s, name, fn](CallArgs& a) -> Value {
      a.what = "str." + name + "()";
      return fn(s, a);
    });
  };
  if (name == "startswith" || name == "endswith") {
    bool prefix = name == "startswith";
    return bind([prefix](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(1, {});
      if (!a.has(0, "")) throw TemplateError(a.what + " takes one argument");
      return Value(affixMatch(str, a.positional[0], prefix, a.what));
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    bool left = name != "rstrip", right = name != "lstrip";
    return bind([left, right](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(1, {"chars"});
      return Value(pyStrip(str, optionalString(a.get(0, "chars"), a.what), left, right));
    });
  }
  if (name == "split" || name == "rsplit") {
    bool reverse = name == "rsplit";
    return bind([reverse](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(2, {"sep", "maxsplit"});
      auto sep = optionalString(a.get(0, "sep"), a.what);
      if (sep && sep->empty()) throw TemplateError(a.what + ": empty separator");
      int64_t max = intArg(a.get(1, "maxsplit", Value(static_cast<int64_t>(-1))), a.what);
      return Value(stringList(reverse ? pyRSplit(str, sep, max) : pySplit(str, sep, max)));
    });
  }
  if (name == "splitlines")
    return bind([](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(1, {"keepends"});
      bool keep = a.get(0, "keepends", Value(false)).truthy();
      std::vector<std::string> lines;
      size_t start = 0;
      for (size_t i = 0; i < str.size(); ++i) {
        if (str[i] != '\n' && str[i] != '\r') continue;
        size_t end = i;
        if (str[i] == '\r' && i + 1 < str.size() && str[i + 1] == '\n') ++i;
        lines.push_back(str.substr(start, (keep ? i + 1 : end) - start));
        start = i + 1;
      }
      if (start < str.size()) lines.push_back(str.substr(start));
      return Value(stringList(lines));
    });
  if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
    return bind([name](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(0, {});
      if (name == "upper") return Value(pyUpper(str));
      if (name == "lower") return Value(pyLower(str));
      if (name == "title") return Value(pyTitle(str));
      return Value(pyCapitalize(str));
    });
  if (name == "replace")
    return bind([](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(3, {"count"});
      if (a.positional.size() < 2) throw TemplateError(a.what + " takes the old and the new text");
      return Value(pyReplace(str, stringArg(a.positional[0], a.what), stringArg(a.positional[1], a.what),
                             intArg(a.get(2, "count", Value(static_cast<int64_t>(-1))), a.what)));
    });
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count")
    return bind([name](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(1, {});
      if (a.positional.empty()) throw TemplateError(a.what + " takes one argument");
      const std::string& sub = stringArg(a.positional[0], a.what);
      if (name == "count") return Value(pyCount(str, sub));
      int64_t at = pyFind(str, sub, name[0] == 'r');
      if (at < 0 && name.find("index") != std::string::npos) throw TemplateError(a.what + ": substring not found");
      return Value(at);
    });
  if (name == "join")
    return bind([](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(1, {});
      if (a.positional.empty()) throw TemplateError(a.what + " takes one argument");
      std::string out;
      bool first = true;
      for (const Value& v : iterate(a.positional[0])) {
        if (!first) out += str;
        out += stringArg(v, a.what + " item");
        first = false;
      }
      return Value(out);
    });
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" || name == "islower" ||
      name == "isupper")
    return bind([name](const std::string& str, CallArgs& a) -> Value {
      a.expectAtMost(0, {});
      std::u32string cps = toCodePoints(str);
      if (cps.empty()) return Value(false);
      if (name == "isspace") return Value(std::all_of(cps.begin(), cps.end(), pyIsSpace));
      if (name == "islower" || name == "isupper") {
        bool upper = name == "isupper";
        std::string mapped = upper ? pyUpper(str) : pyLower(str);
        return Value(mapped == str && (upper ? pyLower(str) : pyUpper(str)) != str);
      }
      auto test = [&](char32_t c) {
        bool digit = u_isdigit(static_cast<UChar32>(c)), alpha = u_isalpha(static_cast<UChar32>(c));
        return name == "isdigit" ? digit : name == "isalpha" ? alpha : digit || alpha;
      };
      return Value(std::all_of(cps.begin(), cps.end(), test));
    });
  return Value::undefined("'str object' has no attribute '" + name + "'");
}

Value dictMethod(const Value& dict, const std::string& name) {
  if (name == "items" || name == "keys" || name == "values")
    return Value::function("dict." + name, [dict, name](CallArgs& a) -> Value {
      a.what = "dict." + name + "()";
      a.expectAtMost(0, {});
      List out;
      for (const auto& [k, v] : dict.asDict().items) {
        if (name == "items") out.push_back(Value::tuple(List{k, v}));
        else out.push_back(name == "keys" ? k : v);
      }
      return Value(std::move(out));
    });
  if (name == "get")
    return Value::function("dict.get", [dict](CallArgs& a) -> Value {
      a.what = "dict.get()";
      a.expectAtMost(2, {});
      if (a.positional.empty()) throw TemplateError("dict.get() takes a key");
      const Value* v = dict.asDict().find(a.positional[0]);
      return v ? *v : a.get(1, "", Value(nullptr));
    });
  return Value();
}

Value listMethod(const Value& list, const std::string& name) {
  if (name == "index" || name == "count")
    return Value::function("list." + name, [list, name](CallArgs& a) -> Value {
      a.what = "list." + name + "()";
      a.expectAtMost(1, {});
      if (a.positional.empty()) throw TemplateError(a.what + " takes one argument");
      const List& l = list.asList();
      int64_t n = 0;
      for (size_t i = 0; i < l.size(); ++i) {
        if (!equals(l[i], a.positional[0])) continue;
        if (name == "index") return Value(static_cast<int64_t>(i));
        ++n;
      }
      if (name == "index") throw TemplateError("list.index(): value is not in list");
      return Value(n);
    });
  if (name == "append" || name == "extend" || name == "pop" || name == "insert" || name == "remove" || name == "clear")
    return Value::function("list." + name, [name](CallArgs&) -> Value {
      throw TemplateError("list." + name + "() is not allowed: templates render in a sandbox that forbids changing lists");
    });
  return Value();
}

// Python-style index normalization; nullopt when out of range.
std::optional<size_t> index(int64_t i, size_t size) {
  if (i < 0) i += static_cast<int64_t>(size);
  if (i < 0 || static_cast<size_t>(i) >= size) return std::nullopt;
  return static_cast<size_t>(i);
}

}  // namespace

Value getMethod(const Value& obj, const std::string& name) {
  if (obj.isString()) return stringMethod(obj.asString(), name);
  if (obj.isDict()) return dictMethod(obj, name);
  if (obj.isList()) return listMethod(obj, name);
  return Value();
}

Value getAttribute(const Value& obj, const std::string& name) {
  if (obj.isUndefined()) obj.failUndefined();
  if (obj.isNamespace()) {
    const Value* v = obj.asNamespace().attrs.find(name);
    return v ? *v : Value::undefined("'Namespace object' has no attribute '" + name + "'");
  }
  // Jinja tries the Python attribute (a method) first, then the item.
  Value method = getMethod(obj, name);
  if (!method.isUndefined()) return method;
  if (obj.isDict()) {
    const Value* v = obj.asDict().find(name);
    return v ? *v : Value::undefined("'dict object' has no attribute '" + name + "'");
  }
  return Value::undefined("'" + obj.typeName() + " object' has no attribute '" + name + "'");
}

Value getItem(const Value& obj, const Value& key) {
  if (obj.isUndefined()) obj.failUndefined();
  if (obj.isDict()) {
    const Value* v = obj.asDict().find(key);
    if (v) return *v;
    if (key.isString()) {  // then the attribute, as Jinja does
      Value m = getMethod(obj, key.asString());
      if (!m.isUndefined()) return m;
    }
    return Value::undefined("'dict object' has no attribute " + pyRepr(key));
  }
  if ((obj.isList() || obj.isString()) && (key.isInt() || key.isBool())) {
    if (obj.isList()) {
      auto i = index(key.asInt(), obj.asList().size());
      return i ? obj.asList()[*i] : Value::undefined("list index " + std::to_string(key.asInt()) + " out of range");
    }
    std::u32string cps = toCodePoints(obj.asString());
    auto i = index(key.asInt(), cps.size());
    return i ? Value(fromCodePoints(std::u32string_view(cps).substr(*i, 1)))
             : Value::undefined("string index " + std::to_string(key.asInt()) + " out of range");
  }
  if (key.isString()) return getAttribute(obj, key.asString());
  if (obj.isNamespace() || obj.isList() || obj.isString())
    throw TemplateError(obj.typeName() + " indices must be integers, not " + key.typeName());
  return Value::undefined("'" + obj.typeName() + " object' has no item " + pyRepr(key));
}

Value getSlice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV) {
  if (obj.isUndefined()) obj.failUndefined();
  auto opt = [](const Value& v, const char* what) -> std::optional<int64_t> {
    if (v.isUndefined() || v.isNone()) return std::nullopt;
    if (!v.isInt() && !v.isBool()) throw TemplateError(std::string("slice ") + what + " must be an integer or None");
    return v.asInt();
  };
  int64_t step = opt(stepV, "step").value_or(1);
  if (step == 0) throw TemplateError("slice step cannot be zero");
  auto sliceIndices = [&](int64_t n) {
    // Python's PySlice_AdjustIndices.
    auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
      if (!v) return dflt;
      int64_t x = *v;
      if (x < 0) {
        x += n;
        if (x < 0) x = step < 0 ? -1 : 0;
      } else if (x >= n) {
        x = step < 0 ? n - 1 : n;
      }
      return x;
    };
    int64_t start = clamp(opt(startV, "start"), step < 0 ? n - 1 : 0);
    int64_t stop = clamp(opt(stopV, "stop"), step < 0 ? -1 : n);
    std::vector<size_t> picked;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) picked.push_back(static_cast<size_t>(i));
    return picked;
  };
  if (obj.isList()) {
    List out;
    for (size_t i : sliceIndices(static_cast<int64_t>(obj.asList().size()))) out.push_back(obj.asList()[i]);
    return Value(std::move(out));
  }
  if (obj.isString()) {
    std::u32string cps = toCodePoints(obj.asString()), out;
    for (size_t i : sliceIndices(static_cast<int64_t>(cps.size()))) out += cps[i];
    return Value(fromCodePoints(out));
  }
  throw TemplateError("'" + obj.typeName() + "' object cannot be sliced");
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List: return v.asList();
    case Value::Kind::Dict: {
      List keys;
      for (const auto& kv : v.asDict().items) keys.push_back(kv.first);
      return keys;
    }
    case Value::Kind::String: {
      List chars;
      for (char32_t c : toCodePoints(v.asString())) chars.emplace_back(fromCodePoints(std::u32string_view(&c, 1)));
      return chars;
    }
    default: throw TemplateError("'" + v.typeName() + "' object is not iterable");
  }
}

bool contains(const Value& container, const Value& item) {
  if (container.isString()) {
    if (!item.isString()) throw TemplateError("'in <string>' requires a string on the left, not " + item.typeName());
    return container.asString().find(item.asString()) != std::string::npos;
  }
  if (container.isDict()) return container.asDict().find(item) != nullptr;
  if (container.isList()) {
    for (const Value& v : container.asList())
      if (equals(v, item)) return true;
    return false;
  }
  if (container.isUndefined()) return false;
  throw TemplateError("argument of type '" + container.typeName() + "' is not iterable");
}

Value globalFunction(const std::string& name) {
  if (name == "range")
    return Value::function("range", [](CallArgs& a) -> Value {
      a.what = "range()";
      a.expectAtMost(3, {});
      if (a.positional.empty()) throw TemplateError("range() takes 1 to 3 integers");
      int64_t start = 0, stop, step = 1;
      if (a.positional.size() == 1) stop = intArg(a.positional[0], a.what);
      else {
        start = intArg(a.positional[0], a.what);
        stop = intArg(a.positional[1], a.what);
        if (a.positional.size() == 3) step = intArg(a.positional[2], a.what);
      }
      if (step == 0) throw TemplateError("range() step must not be zero");
      List out;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        if (out.size() >= 1000000) throw TemplateError("range() too long for a template");
        out.emplace_back(i);
      }
      return Value(std::move(out));
    });
  if (name == "namespace")
    return Value::function("namespace", [](CallArgs& a) -> Value {
      auto ns = std::make_shared<Namespace>();
      for (const Value& p : a.positional) {
        if (!p.isDict()) throw TemplateError("namespace() takes a dict or name=value arguments");
        for (const auto& [k, v] : p.asDict().items) ns->attrs.set(k, v);
      }
      for (auto& [k, v] : a.keyword) ns->attrs.set(Value(k), v);
      return Value(ns);
    });
  if (name == "dict")
    return Value::function("dict", [](CallArgs& a) -> Value {
      auto d = std::make_shared<Dict>();
      for (const Value& p : a.positional) {
        if (!p.isDict()) throw TemplateError("dict() takes a dict or name=value arguments");
        for (const auto& [k, v] : p.asDict().items) d->set(k, v);
      }
      for (auto& [k, v] : a.keyword) d->set(Value(k), v);
      return Value(d);
    });
  if (name == "raise_exception")
    return Value::function("raise_exception", [](CallArgs& a) -> Value {
      throw TemplateError("the template raised an error: " + (a.positional.empty() ? std::string() : pyStr(a.positional[0])));
    });
  if (name == "strftime_now")
    return Value::function("strftime_now", [](CallArgs& a) -> Value {
      a.what = "strftime_now()";
      a.expectAtMost(1, {});
      if (a.positional.empty()) throw TemplateError("strftime_now() takes a format");
      std::time_t now = std::time(nullptr);
      std::tm local{};
      localtime_r(&now, &local);
      char buf[512];
      size_t n = std::strftime(buf, sizeof buf, stringArg(a.positional[0], a.what).c_str(), &local);
      return Value(std::string(buf, n));
    });
  return Value();
}

}  // namespace q3c::jinja
