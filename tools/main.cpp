// q3c: the command line. Subcommands live in cmd_*.cpp; this file only dispatches and turns
// every failure into one line on stderr and a non-zero exit.
#include <cstdio>
#include <exception>
#include <string>

#include "tools/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"q3c: a compiler and JIT for Qwen3 language models on CPUs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "q3c 0.1.0");
  q3c::tools::addEvalCommand(app);
  q3c::tools::addGenerateCommand(app);
  q3c::tools::addDumpIrCommand(app);
  q3c::tools::addSynthCommand(app);
  q3c::tools::addQuantizeCommand(app);
  q3c::tools::addTokenizeCommands(app);
  q3c::tools::addTemplateCommand(app);
  q3c::tools::addOptCommand(app);
  q3c::tools::addBenchCommand(app);
  q3c::tools::addRunCommand(app);
  q3c::tools::addChatCommand(app);
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::fprintf(stderr, "q3c: error: unknown command '%s' (commands: %s)\n", argv[1], names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());
    return 0;
  } catch (const CLI::ParseError& e) {
    // A subcommand's --help is reported through the same path; CLI11 knows which app asked.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "q3c: error: %s (see q3c --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "q3c: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
