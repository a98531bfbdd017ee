// Each q3c subcommand registers itself on the app; the callbacks do the work and throw
// q3c::Error (or any std::exception) on failure, which main() turns into one line on stderr.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace q3c::tools {

void addEvalCommand(CLI::App& app);
void addGenerateCommand(CLI::App& app);
void addDumpIrCommand(CLI::App& app);
void addSynthCommand(CLI::App& app);

// Token ids given as `--ids "1 2 3"` or `--ids-file F` (whitespace or comma separated).
struct IdsInput {
  std::string ids, file;
  void addOptions(CLI::App& cmd);
  std::vector<int32_t> read() const;
};

double secondsSince(int64_t startNs);
int64_t nowNs();

}  // namespace q3c::tools
