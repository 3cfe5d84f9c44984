// The whole program: parse the command line, then one recipe per command.
#pragma once

namespace stackgate::gate {

/// Returns the process exit code (see exit_status.h). `exec` does not
/// return when the command starts.
int run(int argc, char** argv);

}  // namespace stackgate::gate
