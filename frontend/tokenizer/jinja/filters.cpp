// The filters: Jinja2's built-ins that chat templates use, and transformers' tojson.
#include <algorithm>
#include <cmath>
#include <map>

#include "frontend/tokenizer/jinja/builtins.h"
#include "frontend/tokenizer/jinja/py_format.h"
#include "frontend/tokenizer/jinja/py_string.h"

namespace q3c::jinja {

namespace {

using FilterFn = Value (*)(const Value&, CallArgs&);

std::string text(const Value& v) { return pyStr(v); }  // Jinja's soft_str: undefined is ""

// Follows a dotted attribute path ("a.b.0") as Jinja's make_attrgetter does.
Value attributePath(const Value& v, const Value& path) {
  if (path.isInt()) return getItem(v, path);
  if (!path.isString()) throw TemplateError("attribute must be a string or an integer");
  Value cur = v;
  const std::string& p = path.asString();
  size_t start = 0;
  while (true) {
    size_t dot = p.find('.', start);
    std::string part = p.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    cur = digits ? getItem(cur, Value(static_cast<int64_t>(std::stoll(part)))) : getItem(cur, Value(part));
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

Value sortKey(const Value& v, bool caseSensitive) {
  if (!caseSensitive && v.isString()) return Value(pyLower(v.asString()));
  return v;
}

int64_t length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return 0;
    case Value::Kind::String: return static_cast<int64_t>(pyLength(v.asString()));
    case Value::Kind::List: return static_cast<int64_t>(v.asList().size());
    case Value::Kind::Dict: return static_cast<int64_t>(v.asDict().items.size());
    default: throw TemplateError("object of type '" + v.typeName() + "' has no len()");
  }
}

Value fLength(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(length(v));
}

Value fDefault(const Value& v, CallArgs& a) {
  a.expectAtMost(2, {"default_value", "boolean"});
  bool boolean = a.get(1, "boolean", Value(false)).truthy();
  if (v.isUndefined() || (boolean && !v.truthy())) return a.get(0, "default_value", Value(std::string()));
  return v;
}

Value fTojson(const Value& v, CallArgs& a) {
  a.expectAtMost(1, {"indent", "ensure_ascii", "separators", "sort_keys"});
  JsonDumpOptions o;
  Value indent = a.get(0, "indent", Value(nullptr));
  if (indent.isInt()) o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, indent.asInt())), ' ');
  else if (indent.isString()) o.indent = indent.asString();
  else if (!indent.isNone() && !indent.isUndefined()) throw TemplateError("tojson: indent must be an integer, a string or None");
  if (o.indent) o.itemSeparator = ",";
  Value sep = a.get(99, "separators", Value(nullptr));
  if (sep.isList()) {
    if (sep.asList().size() != 2 || !sep.asList()[0].isString() || !sep.asList()[1].isString())
      throw TemplateError("tojson: separators must be two strings");
    o.itemSeparator = sep.asList()[0].asString();
    o.keySeparator = sep.asList()[1].asString();
  }
  o.sortKeys = a.get(99, "sort_keys", Value(false)).truthy();
  o.ensureAscii = a.get(99, "ensure_ascii", Value(false)).truthy();
  return Value(pyJsonDumps(v, o));
}

Value fString(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(text(v));
}

Value fTrim(const Value& v, CallArgs& a) {
  a.expectAtMost(1, {"chars"});
  Value chars = a.get(0, "chars", Value(nullptr));
  return Value(pyStrip(text(v), chars.isString() ? std::optional<std::string>(chars.asString()) : std::nullopt, true, true));
}

Value fUpper(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(pyUpper(text(v)));
}

Value fLower(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(pyLower(text(v)));
}

Value fCapitalize(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(pyCapitalize(text(v)));
}

Value fTitle(const Value& v, CallArgs& a) {
  // Jinja's title: words begin after '-', white space, or an opening bracket.
  a.expectAtMost(0, {});
  std::string out;
  bool start = true;
  for (char32_t c : toCodePoints(text(v))) {
    std::string one = fromCodePoints(std::u32string_view(&c, 1));
    bool delimiter = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || pyIsSpace(c);
    out += start ? pyUpper(one) : pyLower(one);
    start = delimiter;
  }
  return Value(out);
}

Value fReplace(const Value& v, CallArgs& a) {
  a.expectAtMost(3, {"old", "new", "count"});
  Value from = a.get(0, "old"), to = a.get(1, "new"), count = a.get(2, "count", Value(nullptr));
  if (!from.isString() || !to.isString()) throw TemplateError("replace takes the old and the new text");
  return Value(pyReplace(text(v), from.asString(), to.asString(), count.isInt() ? count.asInt() : -1));
}

Value fJoin(const Value& v, CallArgs& a) {
  a.expectAtMost(2, {"d", "attribute"});
  std::string sep = text(a.get(0, "d", Value(std::string())));
  Value attr = a.get(1, "attribute", Value(nullptr));
  std::string out;
  bool first = true;
  for (const Value& item : iterate(v)) {
    if (!first) out += sep;
    out += text(attr.isNone() ? item : attributePath(item, attr));
    first = false;
  }
  return Value(out);
}

Value fFirst(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  List items = iterate(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value fLast(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  List items = iterate(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value fList(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(iterate(v));
}

Value fReverse(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  if (v.isString()) {
    std::u32string cps = toCodePoints(v.asString());
    std::reverse(cps.begin(), cps.end());
    return Value(fromCodePoints(cps));
  }
  List items = iterate(v);
  std::reverse(items.begin(), items.end());
  return Value(std::move(items));
}

Value fItems(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  if (v.isUndefined()) return Value(List{});
  if (!v.isDict()) throw TemplateError("items: expected a mapping, got " + v.typeName());
  List out;
  for (const auto& [k, val] : v.asDict().items) out.push_back(Value::tuple(List{k, val}));
  return Value(std::move(out));
}

Value fDictsort(const Value& v, CallArgs& a) {
  a.expectAtMost(3, {"case_sensitive", "by", "reverse"});
  if (!v.isDict()) throw TemplateError("dictsort: expected a mapping, got " + v.typeName());
  bool caseSensitive = a.get(0, "case_sensitive", Value(false)).truthy();
  std::string by = text(a.get(1, "by", Value("key")));
  bool reverse = a.get(2, "reverse", Value(false)).truthy();
  if (by != "key" && by != "value") throw TemplateError("dictsort: 'by' must be \"key\" or \"value\"");
  List out;
  for (const auto& [k, val] : v.asDict().items) out.push_back(Value::tuple(List{k, val}));
  size_t which = by == "key" ? 0 : 1;
  std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
    Value kx = sortKey(x.asList()[which], caseSensitive), ky = sortKey(y.asList()[which], caseSensitive);
    return reverse ? lessThan(ky, kx) : lessThan(kx, ky);
  });
  return Value(std::move(out));
}

Value fSort(const Value& v, CallArgs& a) {
  a.expectAtMost(3, {"reverse", "case_sensitive", "attribute"});
  bool reverse = a.get(0, "reverse", Value(false)).truthy();
  bool caseSensitive = a.get(1, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(2, "attribute", Value(nullptr));
  List items = iterate(v);
  auto key = [&](const Value& x) { return sortKey(attr.isNone() ? x : attributePath(x, attr), caseSensitive); };
  std::stable_sort(items.begin(), items.end(),
                   [&](const Value& x, const Value& y) { return reverse ? lessThan(key(y), key(x)) : lessThan(key(x), key(y)); });
  return Value(std::move(items));
}

Value minMax(const Value& v, CallArgs& a, bool max) {
  a.expectAtMost(1, {"case_sensitive", "attribute"});
  bool caseSensitive = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(99, "attribute", Value(nullptr));
  List items = iterate(v);
  if (items.empty()) return Value::undefined(std::string("No aggregated item, sequence was empty."));
  auto key = [&](const Value& x) { return sortKey(attr.isNone() ? x : attributePath(x, attr), caseSensitive); };
  const Value* best = &items[0];
  for (const Value& x : items)
    if (max ? lessThan(key(*best), key(x)) : lessThan(key(x), key(*best))) best = &x;
  return *best;
}
Value fMax(const Value& v, CallArgs& a) { return minMax(v, a, true); }
Value fMin(const Value& v, CallArgs& a) { return minMax(v, a, false); }

Value fUnique(const Value& v, CallArgs& a) {
  a.expectAtMost(1, {"case_sensitive", "attribute"});
  bool caseSensitive = a.get(0, "case_sensitive", Value(false)).truthy();
  Value attr = a.get(99, "attribute", Value(nullptr));
  List out, seen;
  for (const Value& x : iterate(v)) {
    Value k = sortKey(attr.isNone() ? x : attributePath(x, attr), caseSensitive);
    if (std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, k); })) continue;
    seen.push_back(k);
    out.push_back(x);
  }
  return Value(std::move(out));
}

Value fSum(const Value& v, CallArgs& a) {
  a.expectAtMost(2, {"attribute", "start"});
  Value attr = a.get(0, "attribute", Value(nullptr));
  Value total = a.get(1, "start", Value(static_cast<int64_t>(0)));
  for (const Value& x : iterate(v)) total = binaryOperator("+", total, attr.isNone() ? x : attributePath(x, attr));
  return total;
}

Value fAbs(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  if (v.isFloat()) return Value(std::fabs(v.asDouble()));
  if (v.isInt() || v.isBool()) return Value(v.asInt() < 0 ? -v.asInt() : v.asInt());
  throw TemplateError("bad operand type for abs(): '" + v.typeName() + "'");
}

Value fInt(const Value& v, CallArgs& a) {
  a.expectAtMost(2, {"default", "base"});
  Value fallback = a.get(0, "default", Value(static_cast<int64_t>(0)));
  if (v.isInt() || v.isBool()) return Value(v.asInt());
  if (v.isFloat()) return std::isfinite(v.asDouble()) ? Value(static_cast<int64_t>(v.asDouble())) : fallback;
  if (v.isString()) {
    std::string s = pyStrip(v.asString(), std::nullopt, true, true);
    try {
      size_t used = 0;
      int64_t i = std::stoll(s, &used, static_cast<int>(a.get(1, "base", Value(static_cast<int64_t>(10))).asInt()));
      if (used == s.size()) return Value(i);
      double d = std::stod(s, &used);
      if (used == s.size()) return Value(static_cast<int64_t>(d));
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

Value fFloat(const Value& v, CallArgs& a) {
  a.expectAtMost(1, {"default"});
  Value fallback = a.get(0, "default", Value(0.0));
  if (v.isNumber()) return Value(v.asDouble());
  if (v.isString()) {
    std::string s = pyStrip(v.asString(), std::nullopt, true, true);
    try {
      size_t used = 0;
      double d = std::stod(s, &used);
      if (used == s.size()) return Value(d);
    } catch (const std::exception&) {
    }
  }
  return fallback;
}

Value fRound(const Value& v, CallArgs& a) {
  a.expectAtMost(2, {"precision", "method"});
  if (!v.isNumber()) throw TemplateError("round: expected a number, got " + v.typeName());
  int64_t precision = a.get(0, "precision", Value(static_cast<int64_t>(0))).asInt();
  std::string method = text(a.get(1, "method", Value("common")));
  double scale = std::pow(10.0, static_cast<double>(precision)), x = v.asDouble() * scale;
  double r = method == "ceil" ? std::ceil(x) : method == "floor" ? std::floor(x) : std::nearbyint(x);
  if (method != "common" && method != "ceil" && method != "floor")
    throw TemplateError("round: method must be 'common', 'ceil' or 'floor'");
  return Value(r / scale);
}

Value fEscape(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  std::string out;
  for (char c : text(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(out);
}

Value fSafe(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return v;  // no autoescaping in chat templates: nothing to mark
}

Value fIndent(const Value& v, CallArgs& a) {
  a.expectAtMost(3, {"width", "first", "blank"});
  Value width = a.get(0, "width", Value(static_cast<int64_t>(4)));
  std::string pad = width.isString() ? width.asString() : std::string(static_cast<size_t>(std::max<int64_t>(0, width.asInt())), ' ');
  bool first = a.get(1, "first", Value(false)).truthy(), blank = a.get(2, "blank", Value(false)).truthy();
  std::vector<std::string> lines = pySplit(text(v) + "\n", std::string("\n"), -1);
  lines.pop_back();  // the piece after the added newline
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n" + ((blank || !lines[i].empty()) ? pad : "");
    out += lines[i];
  }
  if (first) out = pad + out;
  return Value(out);
}

Value fWordcount(const Value& v, CallArgs& a) {
  a.expectAtMost(0, {});
  return Value(static_cast<int64_t>(pySplit(text(v), std::nullopt, -1).size()));
}

Value fAttr(const Value& v, CallArgs& a) {
  a.expectAtMost(1, {});
  if (a.positional.empty() || !a.positional[0].isString()) throw TemplateError("attr takes an attribute name");
  return getAttribute(v, a.positional[0].asString());
}

// map(attribute='x'[, default=...]) or map('filter', args...)
Value fMap(const Value& v, CallArgs& a) {
  List out;
  if (a.has(99, "attribute")) {
    Value attr = a.get(99, "attribute"), fallback = a.get(99, "default");
    for (const Value& x : iterate(v)) {
      Value r = attributePath(x, attr);
      out.push_back(r.isUndefined() && a.has(99, "default") ? fallback : r);
    }
    return Value(std::move(out));
  }
  if (a.positional.empty() || !a.positional[0].isString()) throw TemplateError("map takes a filter name or attribute=");
  std::string name = a.positional[0].asString();
  if (!isKnownFilter(name)) throw TemplateError("map: unsupported filter '" + name + "'");
  for (const Value& x : iterate(v)) {
    CallArgs inner;
    inner.positional.assign(a.positional.begin() + 1, a.positional.end());
    inner.keyword = a.keyword;
    inner.what = "filter '" + name + "'";
    out.push_back(applyFilter(name, x, inner));
  }
  return Value(std::move(out));
}

// select/reject('test', args...) and selectattr/rejectattr('attr', 'test', args...)
Value selectImpl(const Value& v, CallArgs& a, bool byAttribute, bool keep) {
  size_t next = 0;
  Value attr;
  if (byAttribute) {
    if (a.positional.empty()) throw TemplateError(a.what + " takes an attribute name");
    attr = a.positional[next++];
  }
  std::string test;
  if (next < a.positional.size()) {
    if (!a.positional[next].isString()) throw TemplateError(a.what + ": the test must be named by a string");
    test = a.positional[next++].asString();
    if (!isKnownTest(test)) throw TemplateError(a.what + ": unsupported test '" + test + "'");
  }
  List out;
  for (const Value& x : iterate(v)) {
    Value subject = byAttribute ? attributePath(x, attr) : x;
    bool pass;
    if (test.empty()) {
      pass = subject.truthy();
    } else {
      CallArgs inner;
      inner.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(next), a.positional.end());
      inner.what = "test '" + test + "'";
      pass = applyTest(test, subject, inner);
    }
    if (pass == keep) out.push_back(x);
  }
  return Value(std::move(out));
}
Value fSelect(const Value& v, CallArgs& a) { return selectImpl(v, a, false, true); }
Value fReject(const Value& v, CallArgs& a) { return selectImpl(v, a, false, false); }
Value fSelectattr(const Value& v, CallArgs& a) { return selectImpl(v, a, true, true); }
Value fRejectattr(const Value& v, CallArgs& a) { return selectImpl(v, a, true, false); }

const std::map<std::string, FilterFn>& filters() {
  static const std::map<std::string, FilterFn> table = {
      {"abs", fAbs},         {"attr", fAttr},       {"capitalize", fCapitalize}, {"count", fLength},
      {"d", fDefault},       {"default", fDefault}, {"dictsort", fDictsort},     {"e", fEscape},
      {"escape", fEscape},   {"first", fFirst},     {"float", fFloat},           {"indent", fIndent},
      {"int", fInt},         {"items", fItems},     {"join", fJoin},             {"last", fLast},
      {"length", fLength},   {"list", fList},       {"lower", fLower},           {"map", fMap},
      {"max", fMax},         {"min", fMin},         {"reject", fReject},         {"rejectattr", fRejectattr},
      {"replace", fReplace}, {"reverse", fReverse}, {"round", fRound},           {"safe", fSafe},
      {"select", fSelect},   {"selectattr", fSelectattr}, {"sort", fSort},       {"string", fString},
      {"sum", fSum},         {"title", fTitle},     {"tojson", fTojson},         {"trim", fTrim},
      {"unique", fUnique},   {"upper", fUpper},     {"wordcount", fWordcount},
  };
  return table;
}

}  // namespace

bool isKnownFilter(const std::string& name) { return filters().count(name) != 0; }

Value applyFilter(const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) throw TemplateError("unsupported filter '" + name + "'");
  if (args.what.empty()) args.what = "filter '" + name + "'";
  return it->second(input, args);
}

}  // namespace q3c::jinja
