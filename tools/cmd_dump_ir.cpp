// q3c dump-ir: the model's graph in its textual form.
#include <iostream>

#include "frontend/model_config.h"
#include "frontend/qwen3_graph.h"
#include "ir/graph.h"
#include "tools/commands.h"

namespace q3c::tools {

void addDumpIrCommand(CLI::App& app) {
  auto dir = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("dump-ir", "Print the model's graph in the textual IR form");
  cmd->add_option("MODEL_DIR", *dir, "Hugging Face model directory")->required();
  cmd->callback([dir] {
    ModelConfig cfg = ModelConfig::load(*dir);
    WeightStore weights = WeightStore::open(*dir);
    std::cout << ir::print(buildQwen3Graph(cfg, weights));
  });
}

}  // namespace q3c::tools
