// q3c opt: runs passes on a graph in textual form and prints the result (what the FileCheck
// tests drive, like mlir-opt).
#include <fstream>
#include <iostream>
#include <sstream>

#include "frontend/error.h"
#include "passes/pass_manager.h"
#include "tools/commands.h"

namespace q3c::tools {

void addOptCommand(CLI::App& app) {
  struct Opts {
    std::string input;
    PipelineFlags pipeline;
    bool listPasses = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("opt", "Run passes on a graph in textual IR form (a file, or - for stdin) and print it");
  cmd->add_option("INPUT", o->input, "textual IR file, or - for standard input");
  o->pipeline.addOptions(*cmd);
  cmd->add_flag("--list-passes", o->listPasses, "list the passes in their default order and exit");
  cmd->callback([o] {
    if (o->listPasses) {
      for (const auto& p : passes::allPasses()) std::printf("%-22s %s\n", p.name, p.summary);
      return;
    }
    if (o->input.empty()) throw Error("no input: give a textual IR file, or - for standard input");
    std::stringstream text;
    if (o->input == "-") {
      text << std::cin.rdbuf();
    } else {
      std::ifstream in(o->input, std::ios::binary);
      if (!in) throw Error(o->input + ": cannot open");
      text << in.rdbuf();
    }
    ir::Graph g;
    try {
      g = ir::parse(text.str());
    } catch (const ir::IrError& e) {
      throw Error(o->input + ":" + e.what());
    }
    std::cout << ir::print(o->pipeline.apply(g, /*byDefault=*/false));
  });
}

}  // namespace q3c::tools
