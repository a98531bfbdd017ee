// q3c run: one prompt, rendered with the model's chat template, answered with streaming.
#include <cstdio>
#include <cstdlib>

#include "frontend/error.h"
#include "runtime/generator.h"
#include "tools/answer_printer.h"
#include "tools/chat_model.h"
#include "tools/commands.h"
#include "tools/interrupt.h"
#include "tools/model_source.h"
#include "tools/sampling_flags.h"

namespace q3c::tools {

void addRunCommand(CLI::App& app) {
  struct Opts {
    std::string dir, prompt, system;
    int64_t maxNew = 2048, maxContext = 0;
    bool noThink = false, hideThink = false;
    SamplingFlags sampling;
    BackendFlags backend{"jit"};
    PipelineFlags pipeline;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("run", "Answer one prompt with the model's chat template, streaming the text");
  cmd->add_option("MODEL_DIR", o->dir,
                  "Hugging Face model directory with tokenizer.json (default: a demo model with random weights)");
  cmd->add_option("-p,--prompt", o->prompt, "the user's message (/think and /no_think are passed to the template)")->required();
  cmd->add_option("--system", o->system, "a system message before it");
  cmd->add_option("-n,--max-new", o->maxNew, "most tokens to generate")->capture_default_str()->check(positiveInteger());
  cmd->add_option("--max-context", o->maxContext, "KV cache positions (default: prompt + --max-new, up to the model's limit)")
      ->check(positiveInteger());
  cmd->add_flag("--no-think", o->noThink, "non-thinking mode (enable_thinking=false)");
  cmd->add_flag("--hide-think", o->hideThink, "do not print the <think>...</think> reasoning");
  o->sampling.addOptions(*cmd);
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    const std::string dir = resolveModelDir(o->dir);
    auto m = ChatModel::load(dir);

    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!o->system.empty()) messages.push_back({{"role", "system"}, {"content", o->system}});
    messages.push_back({{"role", "user"}, {"content", o->prompt}});
    ChatOptions chat;
    chat.addGenerationPrompt = true;
    if (o->noThink) chat.enableThinking = false;
    const std::vector<int32_t> prompt = m->encode(m->chatTemplate.render(messages, chat));

    const int64_t limit = m->model.config.maxPositionEmbeddings;
    const int64_t context = o->maxContext ? o->maxContext : std::min<int64_t>(static_cast<int64_t>(prompt.size()) + o->maxNew, limit);
    if (static_cast<int64_t>(prompt.size()) >= context)
      throw Error("the prompt is " + std::to_string(prompt.size()) + " tokens, the context " + std::to_string(context) +
                  " positions: raise --max-context");
    SamplerOptions so = o->sampling.resolve(dir, thinkingRequested(messages, !o->noThink));
    m->openSession(o->backend, o->pipeline, context);
    if (std::string d = m->session->executable().describe(); !d.empty()) std::fprintf(stderr, "%s\n", d.c_str());
    std::fprintf(stderr, "q3c: %s\n", so.describe().c_str());

    Sampler sampler(m->session->vocabSize(), so, static_cast<int64_t>(m->tokenizer.vocabSize()));
    Generator generator(*m->session, context);
    AnswerPrinter printer(m->tokenizer, o->hideThink);
    std::atomic<bool>& stop = installInterruptHandler();
    stop = false;
    GenerationOptions g;
    g.maxNew = o->maxNew;
    g.eosIds = m->eosIds;
    g.stop = &stop;
    g.onToken = [&](int32_t id) { printer.push(id); };
    GenerationResult r = generator.generate(prompt, sampler, g);
    printer.finish();
    std::fprintf(stderr, "q3c: load %.2f s | %s [%s, stopped: %s]\n", m->loadSeconds, r.stats.describe().c_str(),
                 o->backend.backend.c_str(), describe(r.stop));
    if (r.stop == StopReason::Interrupted) {
      std::fflush(nullptr);
      std::exit(130);  // as a shell reports a command ended by Ctrl-C
    }
  });
}

}  // namespace q3c::tools
