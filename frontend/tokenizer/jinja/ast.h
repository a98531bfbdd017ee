// The syntax tree of a template: expressions and statements, each with its source line.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "frontend/tokenizer/jinja/value.h"

namespace q3c::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;
struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Expr {
  enum class Kind {
    Literal,   // value
    Name,      // name
    List,      // items
    Tuple,     // items (a tuple behaves as a list)
    Dict,      // items as key, value, key, value...
    Attr,      // items[0].name
    Item,      // items[0][items[1]]
    Slice,     // items[0][items[1]:items[2]:items[3]] (null parts omitted)
    Call,      // items[0](items[1..], kwargs)
    Filter,    // items[0] | name(items[1..], kwargs)
    Test,      // items[0] is [not] name(items[1..], kwargs)
    Not,       // not items[0]
    Negate,    // -items[0]
    Plus,      // +items[0]
    Binary,    // items[0] op items[1]: + - * / // % ** ~ in "not in"
    And,       // items[0] and items[1]
    Or,        // items[0] or items[1]
    Compare,   // items[0] ops[0] items[1] ops[1] items[2]... (chained)
    Condition, // items[1] if items[0] else items[2] (items[2] may be null)
  };
  Kind kind;
  int line = 0;
  Value value;
  std::string name;  // Name, Attr, Filter, Test, Binary operator
  std::vector<ExprPtr> items;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;  // Compare
  bool negated = false;          // Test: `is not`
};

struct Stmt {
  enum class Kind {
    Text,      // text
    Output,    // {{ expr }}
    If,        // conditions[i] → bodies[i]; elseBody
    For,       // targets in expr [if filter]: body; elseBody
    Set,       // targets = expr, or attribute: targets[0].attr = expr
    SetBlock,  // {% set targets[0] %}body{% endset %}
    Macro,     // {% macro name(params) %}body{% endmacro %}
    Break,
    Continue,
    Scope,     // a body rendered in place ({% generation %})
  };
  Kind kind;
  int line = 0;
  std::string text;  // Text; Macro name; Set attribute
  ExprPtr expr;      // Output, For iterable, Set value
  ExprPtr filter;    // For's inline `if`
  std::vector<std::string> targets;
  std::vector<ExprPtr> conditions;
  std::vector<Body> bodies;
  Body body, elseBody;
  std::vector<std::pair<std::string, ExprPtr>> params;  // Macro: name, default (may be null)
};

}  // namespace q3c::jinja
