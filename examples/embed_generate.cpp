// Embedding q3c: load a model directory, run the pass pipeline, compile it with the default
// backend, and decode greedily, in about twenty lines of the library's API.
//   build/examples/embed_generate MODEL_DIR [ids...]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>

#include "codegen/backend.h"
#include "passes/pass_manager.h"
#include "runtime/session.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL_DIR [token ids...]\n", argv[0]);
    return 2;
  }
  try {
    q3c::Model model = q3c::Model::load(argv[1]);
    std::ostringstream passLog;  // --print-after output would go here
    q3c::ir::Graph graph = q3c::passes::runPipeline(model.graph, {}, passLog);
    auto backend = q3c::createBackend("jit");

    std::vector<int32_t> prompt;
    for (int i = 2; i < argc; ++i) prompt.push_back(static_cast<int32_t>(std::atoi(argv[i])));
    if (prompt.empty()) prompt = {151644, 872, 198};

    q3c::Session session(model, *backend, static_cast<int64_t>(prompt.size()) + 16, &graph);
    q3c::GenerateOptions opt;
    opt.maxNew = 16;
    for (int32_t id : q3c::generateGreedy(session, prompt, model.eosIds, opt)) std::printf("%d ", id);
    std::printf("\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
