// ratel/stream.hpp: moved to ratel/run/stream.hpp (the formats and the runs have their own folders,
// docs/design.md). This forwarding header is kept for one release (0.2) and then removed:
// include "ratel/run/stream.hpp" instead.
#pragma once

#include "ratel/run/stream.hpp"
