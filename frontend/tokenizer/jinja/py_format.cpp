#include "frontend/tokenizer/jinja/py_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "frontend/tokenizer/jinja/py_string.h"
#include "frontend/tokenizer/utf8.h"

namespace q3c::jinja {

std::string pyFloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, then Python's layout: positional when -4 <= exponent < 16.
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);  // e.g. "-1.2345e+02"
  bool negative = s[0] == '-';
  if (negative) s.erase(0, 1);
  size_t e = s.find('e');
  int exponent = std::stoi(s.substr(e + 1));
  std::string digits = s.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
      out += digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(exponent) + 1) + "." + digits.substr(static_cast<size_t>(exponent) + 1);
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out += exp;
  }
  return out;
}

namespace {

std::string reprString(const std::string& s) {
  // Python picks single quotes unless the text has ' and no ".
  bool hasSingle = s.find('\'') != std::string::npos, hasDouble = s.find('"') != std::string::npos;
  char quote = hasSingle && !hasDouble ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = utf8::decode(s, i, cp);
    if (n == 0) {
      n = 1;
      cp = 0xFFFD;
    }
    if (cp == static_cast<char32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') out += "\\n";
    else if (cp == '\r') out += "\\r";
    else if (cp == '\t') out += "\\t";
    else if (!pyIsPrintable(cp)) {
      char buf[16];
      if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s, i, n);
    }
    i += n;
  }
  out += quote;
  return out;
}

void jsonString(const std::string& s, bool ensureAscii, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = utf8::decode(s, i, cp);
    if (n == 0) {
      n = 1;
      cp = 0xFFFD;
    }
    char buf[16];
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (cp < 0x20 || (ensureAscii && cp > 0x7E)) {
          if (cp >= 0x10000) {  // a surrogate pair, as Python writes it
            char32_t v = cp - 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                          static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
          } else {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
          }
          out += buf;
        } else {
          out.append(s, i, n);
        }
    }
    i += n;
  }
  out += '"';
}

std::string jsonFloat(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return pyFloatRepr(d);
}

// A dict key as json.dumps writes it: keys must be str, int, float, bool or None.
std::string jsonKey(const Value& k) {
  if (k.isString()) return k.asString();
  if (k.isBool()) return k.asBool() ? "true" : "false";
  if (k.isInt()) return std::to_string(k.asInt());
  if (k.isFloat()) return jsonFloat(k.asDouble());
  if (k.isNone()) return "null";
  throw TemplateError("tojson: keys must be str, int, float, bool or None, not " + k.typeName());
}

void dump(const Value& v, const JsonDumpOptions& o, int depth, std::string& out) {
  auto newline = [&](int level) {
    out += '\n';
    for (int i = 0; i < level; ++i) out += *o.indent;
  };
  switch (v.kind()) {
    case Value::Kind::None: out += "null"; return;
    case Value::Kind::Bool: out += v.asBool() ? "true" : "false"; return;
    case Value::Kind::Int: out += std::to_string(v.asInt()); return;
    case Value::Kind::Float: out += jsonFloat(v.asDouble()); return;
    case Value::Kind::String: jsonString(v.asString(), o.ensureAscii, out); return;
    case Value::Kind::List: {
      const List& l = v.asList();
      if (l.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t i = 0; i < l.size(); ++i) {
        if (i) out += o.itemSeparator;
        if (o.indent) newline(depth + 1);
        dump(l[i], o, depth + 1, out);
      }
      if (o.indent) newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::Dict: {
      std::vector<std::pair<std::string, const Value*>> entries;
      for (const auto& [k, val] : v.asDict().items) entries.emplace_back(jsonKey(k), &val);
      if (o.sortKeys)
        std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      if (entries.empty()) {
        out += "{}";
        return;
      }
      out += '{';
      for (size_t i = 0; i < entries.size(); ++i) {
        if (i) out += o.itemSeparator;
        if (o.indent) newline(depth + 1);
        jsonString(entries[i].first, o.ensureAscii, out);
        out += o.keySeparator;
        dump(*entries[i].second, o, depth + 1, out);
      }
      if (o.indent) newline(depth);
      out += '}';
      return;
    }
    case Value::Kind::Undefined: throw TemplateError("tojson: Object of type Undefined is not JSON serializable");
    default: throw TemplateError("tojson: Object of type " + v.typeName() + " is not JSON serializable");
  }
}

}  // namespace

std::string pyJsonDumps(const Value& v, const JsonDumpOptions& options) {
  std::string out;
  dump(v, options, 0, out);
  return out;
}

std::string pyRepr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::String: return reprString(v.asString());
    case Value::Kind::List: {
      const List& l = v.asList();
      std::string out = v.isTuple() ? "(" : "[";
      for (size_t i = 0; i < l.size(); ++i) out += (i ? ", " : "") + pyRepr(l[i]);
      if (v.isTuple() && l.size() == 1) out += ",";
      return out + (v.isTuple() ? ")" : "]");
    }
    case Value::Kind::Dict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, val] : v.asDict().items) {
        out += (first ? "" : ", ") + pyRepr(k) + ": " + pyRepr(val);
        first = false;
      }
      return out + "}";
    }
    case Value::Kind::Undefined: return "Undefined";
    default: return pyStr(v);
  }
}

std::string pyStr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.asBool() ? "True" : "False";
    case Value::Kind::Int: return std::to_string(v.asInt());
    case Value::Kind::Float: return pyFloatRepr(v.asDouble());
    case Value::Kind::String: return v.asString();
    case Value::Kind::Namespace: return "<Namespace " + pyRepr(Value(std::make_shared<Dict>(v.asNamespace().attrs))) + ">";
    case Value::Kind::Callable: return "<function " + v.asCallable().name + ">";
    default: return pyRepr(v);
  }
}

}  // namespace q3c::jinja
