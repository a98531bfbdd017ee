// q3c chat: an interactive multi-turn conversation. Each turn re-renders the whole conversation
// with the model's chat template (which drops earlier turns' reasoning) and the generator reuses
// the KV cache for the part of it the model has already seen.
#include <unistd.h>

#include <cstdio>

#include "frontend/error.h"
#include "runtime/generator.h"
#include "tools/answer_printer.h"
#include "tools/chat_model.h"
#include "tools/commands.h"
#include "tools/interrupt.h"
#include "tools/model_source.h"
#include "tools/sampling_flags.h"

namespace q3c::tools {

namespace {

using Json = nlohmann::ordered_json;

const char* kHelp = "commands: /exit (or Ctrl-D) leaves, /reset starts a new conversation, /help; Ctrl-C stops an answer";

std::string trimmed(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

Json startOfConversation(const std::string& system) {
  Json messages = Json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  return messages;
}

}  // namespace

void addChatCommand(CLI::App& app) {
  struct Opts {
    std::string dir, system;
    int64_t maxNew = 2048, maxContext = 4096;
    bool noThink = false, hideThink = false;
    SamplingFlags sampling;
    BackendFlags backend{"jit"};
    PipelineFlags pipeline;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("chat", "Talk with the model: lines from stdin, streamed answers, /exit to leave");
  cmd->add_option("MODEL_DIR", o->dir,
                  "Hugging Face model directory with tokenizer.json (default: a demo model with random weights)");
  cmd->add_option("--system", o->system, "a system message that starts the conversation");
  cmd->add_option("-n,--max-new", o->maxNew, "most tokens per answer")->capture_default_str()->check(positiveInteger());
  cmd->add_option("--max-context", o->maxContext, "KV cache positions: the longest conversation (capped at the model's limit)")
      ->capture_default_str()
      ->check(positiveInteger());
  cmd->add_flag("--no-think", o->noThink, "non-thinking mode (enable_thinking=false)");
  cmd->add_flag("--hide-think", o->hideThink, "do not print the <think>...</think> reasoning");
  o->sampling.addOptions(*cmd);
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    const std::string dir = resolveModelDir(o->dir);
    auto m = ChatModel::load(dir);
    const int64_t context = std::min(o->maxContext, m->model.config.maxPositionEmbeddings);
    m->openSession(o->backend, o->pipeline, context);
    const bool interactive = isatty(STDIN_FILENO);
    if (std::string d = m->session->executable().describe(); !d.empty()) std::fprintf(stderr, "%s\n", d.c_str());
    std::fprintf(stderr, "q3c: %s loaded in %.2f s (%s, context %lld)\n", dir.c_str(), m->loadSeconds,
                 o->backend.backend.c_str(), static_cast<long long>(context));
    if (interactive) std::fprintf(stderr, "q3c: %s\n", kHelp);

    Json messages = startOfConversation(o->system);
    ChatOptions chat;
    chat.addGenerationPrompt = true;
    if (o->noThink) chat.enableThinking = false;
    // One sampler for the whole conversation: with --seed the whole chat is reproducible.
    SamplerOptions so = o->sampling.resolve(dir, !o->noThink);
    auto sampler = std::make_unique<Sampler>(m->session->vocabSize(), so, static_cast<int64_t>(m->tokenizer.vocabSize()));
    std::fprintf(stderr, "q3c: %s\n", so.describe().c_str());
    Generator generator(*m->session, context);
    AnswerPrinter printer(m->tokenizer, o->hideThink);
    std::atomic<bool>& stop = installInterruptHandler();
    StdinLines input;

    for (;;) {
      stop = false;
      if (interactive) {
        std::fputs("> ", stdout);
        std::fflush(stdout);
      }
      std::string line;
      StdinLines::Status status = input.next(line);
      if (status != StdinLines::Line) {  // Ctrl-D or Ctrl-C at the prompt
        if (interactive) std::fputc('\n', stdout);
        break;
      }
      line = trimmed(line);
      if (line.empty()) continue;
      if (line == "/exit" || line == "/quit") break;
      if (line == "/help") {
        std::fprintf(stderr, "q3c: %s\n", kHelp);
        continue;
      }
      if (line == "/reset") {
        messages = startOfConversation(o->system);
        generator.reset();
        std::fprintf(stderr, "q3c: new conversation\n");
        continue;
      }

      messages.push_back({{"role", "user"}, {"content", line}});
      // --sampling card follows the mode of this turn (a /think or /no_think switches it).
      if (o->sampling.preset == "card") {
        SamplerOptions turn = o->sampling.resolve(dir, thinkingRequested(messages, !o->noThink));
        if (turn.temperature != so.temperature || turn.topP != so.topP) {
          so = turn;
          sampler = std::make_unique<Sampler>(m->session->vocabSize(), so, static_cast<int64_t>(m->tokenizer.vocabSize()));
          std::fprintf(stderr, "q3c: %s\n", so.describe().c_str());
        }
      }
      const std::vector<int32_t> prompt = m->encode(m->chatTemplate.render(messages, chat));
      if (static_cast<int64_t>(prompt.size()) >= context) {
        messages.erase(messages.size() - 1);
        std::fprintf(stderr, "q3c: the conversation (%zu tokens) no longer fits the context of %lld positions: /reset, "
                     "or start with a larger --max-context\n", prompt.size(), static_cast<long long>(context));
        continue;
      }

      GenerationOptions g;
      g.maxNew = o->maxNew;
      g.eosIds = m->eosIds;
      g.stop = &stop;
      g.onToken = [&](int32_t id) { printer.push(id); };
      GenerationResult r = generator.generate(prompt, *sampler, g);
      printer.finish();

      // The answer joins the conversation as generated (an interrupted one too); the template
      // takes the reasoning out of it in later turns.
      std::vector<int32_t> answer = r.tokens;
      if (r.stop == StopReason::Eos) answer.pop_back();
      messages.push_back({{"role", "assistant"}, {"content", m->tokenizer.decode(answer, /*skipSpecialTokens=*/true)}});
      std::fprintf(stderr, "q3c: %s%s%s\n", r.stats.describe().c_str(), r.stop == StopReason::Eos ? "" : " [stopped: ",
                   r.stop == StopReason::Eos ? "" : (std::string(describe(r.stop)) + "]").c_str());
    }
  });
}

}  // namespace q3c::tools
