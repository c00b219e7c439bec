// ratel/catalog_toml.hpp: moved to ratel/io/catalog_toml.hpp (the formats and the runs have their
// own folders, docs/design.md). This forwarding header is kept for one release (0.2) and then
// removed: include "ratel/io/catalog_toml.hpp" instead.
#pragma once

#include "ratel/io/catalog_toml.hpp"
