// ratel/account_log.hpp: moved to ratel/io/account_log.hpp (the formats and the runs have their own
// folders, docs/design.md). This forwarding header is kept for one release (0.2) and then removed:
// include "ratel/io/account_log.hpp" instead.
#pragma once

#include "ratel/io/account_log.hpp"
