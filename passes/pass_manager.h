// The pass pipeline: every pass has a name, runs in a fixed default order, and can be selected,
// switched off, printed around and timed from the command line.
#pragma once
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace q3c::passes {

struct PassInfo {
  const char* name;
  const char* summary;
  ir::Graph (*run)(const ir::Graph&);
};

// Every pass, in the default order.
const std::vector<PassInfo>& allPasses();

struct PipelineOptions {
  std::vector<std::string> passes;  // run exactly these, in this order; empty: the default order
  std::set<std::string> disabled;   // skip these
  std::set<std::string> printBefore, printAfter;  // pass names, or "all"
  bool timePasses = false;
  bool verifyEach = true;  // run the verifier after every pass
};

// Parses a comma-separated list of pass names, rejecting unknown ones with a clear error.
std::vector<std::string> parsePassList(const std::string& text);

// Runs the pipeline; IR printed before/after passes and timings go to `log`.
ir::Graph runPipeline(const ir::Graph& g, const PipelineOptions& opt, std::ostream& log);

}  // namespace q3c::passes
