// `firedrill whatif`: not built yet (its issue is open); says so plainly, never invents results.
#include <iostream>

#include "app/commands.hpp"

namespace firedrill::app {

int cmd_whatif(int, char**) {
  std::cerr << "firedrill whatif: not implemented yet in this build\n";
  return 2;
}

}  // namespace firedrill::app
