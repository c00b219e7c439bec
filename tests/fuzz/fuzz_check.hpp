// tests/fuzz/fuzz_check.hpp: what every ratel fuzz target shares.
//
// A fuzz target feeds arbitrary bytes to one reader and then checks the reader's own
// promises (counts reconcile, round trips hold), not only that nothing crashed. The one
// expected failure is ratel::input_error: bad input that stops a run with file:line:col.
// Any other exception escaping a reader is a finding (the CLI would std::terminate on
// it), and so is a broken invariant: both abort with a message, so libFuzzer saves the
// input as a crash-* file.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

#include "ratel/error.hpp"

namespace ratel::fuzz {

/// Stops the run as a finding: libFuzzer reports the abort and writes the input out.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "ratel fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

#define RATEL_FUZZ_CHECK(condition, message)                                        \
  do {                                                                              \
    if (!(condition))                                                               \
      ::ratel::fuzz::fail(std::string(#condition) + " (" + __FILE__ + ":" +         \
                          std::to_string(__LINE__) + "): " + std::string(message)); \
  } while (false)

/// Runs `f`; an input_error is an accepted outcome (returns false), any other exception a
/// finding. An input_error must still say where: a file name and a 1-based line.
template <class F>
bool accepts(F&& f) {
  try {
    f();
    return true;
  } catch (const input_error& e) {
    RATEL_FUZZ_CHECK(!e.where().file.empty(), e.what());
    RATEL_FUZZ_CHECK(e.where().line >= 1, e.what());
    return false;
  } catch (const std::exception& e) {
    fail(std::string("unexpected exception ") + typeid(e).name() + ": " + e.what());
  } catch (...) {
    fail("unexpected non-std exception");
  }
}

}  // namespace ratel::fuzz
