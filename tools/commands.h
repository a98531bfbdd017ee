// Each q3c subcommand registers itself on the app; the callbacks do the work and throw
// q3c::Error (or any std::exception) on failure, which main() turns into one line on stderr.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "codegen/backend.h"
#include "ir/graph.h"

namespace q3c::tools {

void addEvalCommand(CLI::App& app);
void addGenerateCommand(CLI::App& app);
void addDumpIrCommand(CLI::App& app);
void addSynthCommand(CLI::App& app);
void addQuantizeCommand(CLI::App& app);
void addTokenizeCommands(CLI::App& app);  // tokenize, detokenize
void addTemplateCommand(CLI::App& app);
void addOptCommand(CLI::App& app);
void addBenchCommand(CLI::App& app);
void addRunCommand(CLI::App& app);   // run, chat: tools/cmd_run.cpp, tools/cmd_chat.cpp
void addChatCommand(CLI::App& app);

// Token ids given as `--ids "1 2 3"` or `--ids-file F` (whitespace or comma separated).
struct IdsInput {
  std::string ids, file;
  void addOptions(CLI::App& cmd);
  std::vector<int32_t> read() const;
};

// --backend, --isa, --kernel-cache: which backend compiles the graph, and how.
struct BackendFlags {
  std::string backend, isa = "native", kernelCache, precision = "auto";
  int threads = 0;  // 0: one per physical core
  bool mappedWeights = false;
  explicit BackendFlags(std::string defaultBackend) : backend(std::move(defaultBackend)) {}
  void addOptions(CLI::App& cmd);
  std::unique_ptr<Backend> create() const;
};

// Pass-pipeline flags shared by eval, generate, dump-ir and opt.
struct PipelineFlags {
  std::string passes, disable, printAfter, printBefore;
  bool noPasses = false, timePasses = false;
  std::string quant = "none", quantHead;  // --quant, --quant-head
  int64_t group = 0;                      // --group; 0: the scheme's default
  void addOptions(CLI::App& cmd);
  // Runs the pipeline on `g` when `byDefault` (or --passes) asks for it; IR dumps go to stderr.
  ir::Graph apply(const ir::Graph& g, bool byDefault) const;
};

// Option checks with a readable message (CLI11's own print the whole double range).
CLI::Validator positiveInteger();
CLI::Validator nonNegativeInteger();
CLI::Validator nonNegativeNumber();
CLI::Validator positiveNumber();

double secondsSince(int64_t startNs);
int64_t nowNs();

}  // namespace q3c::tools
