// The built-in filters, tests, methods and globals of the subset: what transformers' Jinja
// environment offers chat templates (Jinja2's builtins, its own tojson, raise_exception and
// strftime_now), with Python's str/dict/list methods that templates call.
#pragma once
#include <string>

#include "frontend/tokenizer/jinja/value.h"

namespace q3c::jinja {

bool isKnownFilter(const std::string& name);
bool isKnownTest(const std::string& name);

Value applyFilter(const std::string& name, const Value& input, CallArgs& args);
bool applyTest(const std::string& name, const Value& input, CallArgs& args);

// obj.name as Jinja resolves it: a method of str/dict/list, a dict key, a namespace attribute;
// undefined (with a hint) when there is none. Accessing anything on an undefined value fails.
Value getAttribute(const Value& obj, const std::string& name);
// obj[key]: list/str index (negative from the end), dict key; undefined when missing.
Value getItem(const Value& obj, const Value& key);
// obj[start:stop:step] for lists and strings (null Values for omitted parts).
Value getSlice(const Value& obj, const Value& start, const Value& stop, const Value& step);
// A method bound to its object (str, dict or list), or undefined.
Value getMethod(const Value& obj, const std::string& name);

// Items of a value in a for loop or a filter: list items, dict keys, str characters; an undefined
// value iterates as empty. Throws for the rest.
List iterate(const Value& v);

// The global functions: range, namespace, dict, raise_exception, strftime_now.
Value globalFunction(const std::string& name);

// Python's `x in container`.
bool contains(const Value& container, const Value& item);

}  // namespace q3c::jinja

namespace q3c::jinja {

// Python's binary operators: + - * / // % ** and Jinja's ~ (string concatenation).
Value binaryOperator(const std::string& op, const Value& a, const Value& b);

}  // namespace q3c::jinja
