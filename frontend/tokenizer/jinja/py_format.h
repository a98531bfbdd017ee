// Values turned into text the way Python does it, since that is what transformers' Jinja prints:
// str() for {{ }}, repr() inside containers, float repr, and json.dumps for the tojson filter.
#pragma once
#include <optional>
#include <string>

#include "frontend/tokenizer/jinja/value.h"

namespace q3c::jinja {

std::string pyStr(const Value& v);   // str(v); undefined prints as ""
std::string pyRepr(const Value& v);  // repr(v)
std::string pyFloatRepr(double d);   // repr(float): shortest round trip, "1.0", "1e+16", "inf"

struct JsonDumpOptions {
  std::optional<std::string> indent;  // None: one line; else the text of one level
  std::string itemSeparator = ", ", keySeparator = ": ";
  bool sortKeys = false;
  bool ensureAscii = false;
};
// json.dumps(v, ...); throws TemplateError for values JSON cannot hold.
std::string pyJsonDumps(const Value& v, const JsonDumpOptions& options);

}  // namespace q3c::jinja
