// q3c dump-ir: the model's graph in its textual form.
#include <cstdio>
#include <iostream>

#include "ir/graph.h"
#include "runtime/model.h"
#include "tools/commands.h"

namespace q3c::tools {

void addDumpIrCommand(CLI::App& app) {
  struct Opts {
    std::string dir;
    PipelineFlags pipeline;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "dump-ir", "Print the model's graph in the textual IR form, after the pass pipeline (--no-passes: as built)");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory or .gguf file")->required();
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    const Model model = Model::load(o->dir);
    ir::Graph g = o->pipeline.apply(model.graph, /*byDefault=*/true);
    std::cout << ir::print(g);
    std::fprintf(stderr, "dump-ir: %zu nodes", g.nodes().size());
    for (const auto& [key, value] : g.attrs)
      if (std::holds_alternative<int64_t>(value)) std::fprintf(stderr, ", %s %lld", key.c_str(), static_cast<long long>(std::get<int64_t>(value)));
    std::fprintf(stderr, "\n");
  });
}

}  // namespace q3c::tools
