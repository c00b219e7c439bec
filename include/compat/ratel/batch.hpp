// ratel/batch.hpp: moved to ratel/run/batch.hpp (the formats and the runs have their own
// folders, docs/design.md). This forwarding header is kept for one release (0.2) and then
// removed: include "ratel/run/batch.hpp", and the formats you use ("ratel/io/...").
// It also brings the readers and writers that used to come with it through bill.hpp and
// usage.hpp, so code written against 0.1 still compiles.
#pragma once

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
