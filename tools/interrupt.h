// Ctrl-C as a request rather than a kill, for `run` and `chat`: SIGINT sets a flag that the
// generation loop polls between tokens, and interrupts a wait for input. A second Ctrl-C before
// the first was taken ends the process the usual way (a long prefill cannot be stopped midway).
#pragma once
#include <atomic>
#include <string>

namespace q3c::tools {

// Installs the handler (once); returns the flag it sets. Clear the flag before each answer.
std::atomic<bool>& installInterruptHandler();

// Lines of stdin read with read(2), so that Ctrl-C ends the wait instead of being retried.
class StdinLines {
 public:
  enum Status { Line, End, Interrupted };
  // The next line without its newline; a last line without one counts too.
  Status next(std::string& line);

 private:
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace q3c::tools
