// The subcommands of `firedrill`. Each parses its own options (Boost.Program_options)
// from argv, where argv[0] is the subcommand's name, and returns the process exit status
// of SPEC section 5: 0 objectives met, 1 an objective missed or a VM not recovered,
// 2 bad input or usage, 3 a backend could not be reached.
#pragma once

namespace firedrill::app {

int cmd_validate(int argc, char** argv);   // app/cmd_validate.cpp
int cmd_run(int argc, char** argv);        // app/cmd_run.cpp
int cmd_whatif(int argc, char** argv);     // app/cmd_whatif.cpp
int cmd_history(int argc, char** argv);    // app/cmd_history.cpp
int cmd_cleanup(int argc, char** argv);    // app/cmd_cleanup.cpp
int cmd_import(int argc, char** argv);     // app/cmd_import.cpp
int cmd_calibrate(int argc, char** argv);  // app/cmd_calibrate.cpp

}  // namespace firedrill::app
