// ratel/explain.hpp: moved to ratel/run/explain.hpp (the formats and the runs have their own
// folders, docs/design.md). This forwarding header is kept for one release (0.2) and then removed:
// include "ratel/run/explain.hpp" instead.
#pragma once

#include "ratel/run/explain.hpp"
