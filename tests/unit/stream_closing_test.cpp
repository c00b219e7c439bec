// Closing a cycle through the streaming pipeline (stream.hpp, stream_closing): what each
// subscriber hands to the close (bill, carried state, records rated) is what rate_batch
// going on from the same carried states gives (D24), whatever the threads and the budget;
// rows dated outside the cycle are the caller's to set aside (D25), and the counts
// reconcile.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <fmt/ranges.h>

#include "../common/month_scenarios.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/stream.hpp"

using namespace ratel;

namespace {

// What a close receives, subscriber by subscriber, as text: "subscriber|bill|state|ids".
using closing_parts = std::vector<std::string>;

closing_parts reference_parts(const batch_result& r, const usage_batch& usage,
                              const billing_cycle& cycle) {
  std::map<std::string, std::string, std::less<>> bill_of, state_of, ids_of;
  for (const bill& b : r.bills) bill_of[b.subscriber] = bill_to_json(b);
  for (const carried_state& s : r.carried)
    state_of[s.subscriber] = carried_states_to_json(std::span(&s, 1));
  std::set<std::uint32_t> rejected;
  for (const reject& j : r.rejects) rejected.insert(j.line);
  std::map<std::string, std::set<std::string>, std::less<>> records;
  for (const usage_record& u : usage.records())
    if (cycle.contains(u.time) && !rejected.contains(u.line))
      records[std::string(u.subscriber)].insert(std::string(u.id));
  std::set<std::string> subscribers;
  for (const auto& [s, _] : bill_of) subscribers.insert(s);
  for (const auto& [s, _] : state_of) subscribers.insert(s);
  closing_parts out;
  for (const std::string& s : subscribers) {
    std::string ids;
    for (const std::string& id : records[s]) ids += id + ";";
    out.push_back(fmt::format("{}|{}|{}|{}", s, bill_of[s], state_of[s], ids));
  }
  return out;
}

struct streamed_close {
  closing_parts parts;
  std::string bills;  // bill_output's text: one JSON element per subscriber with a bill
  stream_result result;
};

streamed_close close_streamed(
    const rule_plan& plan, const account_book& book, const std::filesystem::path& file,
    const billing_cycle& cycle, const carried_book& from, unsigned threads, std::size_t budget,
    std::function<std::vector<set_aside_record>(const usage_batch&)> outside_rows = {}) {
  streamed_close out;
  stream_closing closing;
  closing.from = &from;
  closing.outside_rows = std::move(outside_rows);
  closing.render = [](const subscriber_closing& part, std::string& text) {
    std::string ids;
    for (const usage_record* r : part.records) ids += std::string(r->id) + ";";
    text += fmt::format(
        "{}|{}|{}|{}", part.subscriber, part.bills.empty() ? "" : bill_to_json(part.bills.back()),
        part.carried ? carried_states_to_json(std::span(part.carried, 1)) : "", ids);
  };
  closing.take = [&](std::string_view text) { out.parts.emplace_back(text); };
  bill_output output;
  output.render = [](std::span<const bill> bills, std::span<std::string> parts) {
    for (const bill& b : bills) parts[0] += bill_to_json(b);
  };
  output.write = [&](std::span<const std::string> parts) { out.bills += parts[0]; };
  stream_options options;
  options.threads = threads;
  options.memory_budget = budget;
  options.closing = &closing;
  out.result = rate_file(plan, book, file, std::span(&cycle, 1), output, options);
  // The parts come as the shards are rated: in subscriber order here, as the reference.
  std::sort(out.parts.begin(), out.parts.end(), [](const std::string& a, const std::string& b) {
    return a.substr(0, a.find('|')) < b.substr(0, b.find('|'));
  });
  return out;
}

// `name`: a file of the test's own (ctest runs test cases in parallel).
std::filesystem::path write_usage(const std::vector<std::string>& rows, const std::string& name) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / name;
  std::ofstream(file, std::ios::binary) << test_months::usage_csv(rows);
  return file;
}

}  // namespace

TEST_SUITE("stream") {
  TEST_CASE("a close through the stream hands over rate_batch's bills, states and records") {
    // D24: each month goes on from the states the one before left; the parts a streamed
    // close hands over are the in-memory run's, for one or two threads, with everything in
    // memory or everything spilled (a budget of one byte).
    std::size_t compared = 0;
    for (std::uint32_t seed = 0; seed < 12; ++seed) {
      CAPTURE(seed);
      const test_months::month_scenario s = test_months::random_scenario(seed);
      const auto [plan, book, cycles] = test_months::inputs_of(s);
      carried_book from;
      for (const billing_cycle& cycle : cycles) {
        const std::vector<std::string> rows = test_months::rows_in(s, cycle);
        const usage_batch usage = parse_usage_csv(test_months::usage_csv(rows), "usage.csv");
        batch_result month = rate_batch(plan, book, usage, std::span(&cycle, 1), from);
        const closing_parts expected = reference_parts(month, usage, cycle);
        std::string expected_bills;
        for (const bill& b : month.bills) expected_bills += bill_to_json(b);
        const std::filesystem::path file = write_usage(rows, "ratel_stream_closing_months.csv");
        for (const unsigned threads : {1u, 2u})
          for (const std::size_t budget : {std::size_t{1}, std::size_t{512} << 20}) {
            const streamed_close got =
                close_streamed(plan, book, file, cycle, from, threads, budget);
            CHECK(fmt::format("{}", fmt::join(got.parts, "\n")) ==
                  fmt::format("{}", fmt::join(expected, "\n")));
            CHECK(got.bills == expected_bills);
            CHECK(got.result.rated == month.rated);
            ++compared;
          }
        std::filesystem::remove(file);
        from.clear();
        for (carried_state& c : month.carried) from.emplace(c.subscriber, std::move(c));
      }
    }
    CHECK(compared == 12 * 4 * 4);
  }

  TEST_CASE(
      "a close gets each subscriber's records in id order when ids share their first "
      "eight bytes") {
    // The close keeps a subscriber's records in id order (std::string's), found on the ids'
    // first eight bytes read as one number and on the whole ids where those are equal.
    // Every id here starts "cdr-2012-07-", so only the whole ids order them (and an id that
    // is a prefix of another, "...s3-1" of "...s3-10" where a subscriber has eleven records,
    // comes first). The rows are reversed so that the ids do not come in order from the file.
    std::size_t subscribers = 0;
    for (std::uint32_t seed = 0; seed < 4; ++seed) {
      CAPTURE(seed);
      const test_months::month_scenario s = test_months::random_scenario(seed);
      const auto [plan, book, cycles] = test_months::inputs_of(s);
      std::vector<std::string> rows = test_months::rows_in(s, cycles[0]);
      for (std::string& row : rows) row = "cdr-2012-07-" + row;
      std::reverse(rows.begin(), rows.end());
      const usage_batch usage = parse_usage_csv(test_months::usage_csv(rows), "usage.csv");
      const carried_book none;
      batch_result month = rate_batch(plan, book, usage, std::span(&cycles[0], 1), none);
      const closing_parts expected = reference_parts(month, usage, cycles[0]);
      const std::filesystem::path file = write_usage(rows, "ratel_stream_closing_ids.csv");
      const streamed_close got =
          close_streamed(plan, book, file, cycles[0], none, 1, std::size_t{512} << 20);
      std::filesystem::remove(file);
      CHECK(fmt::format("{}", fmt::join(got.parts, "\n")) ==
            fmt::format("{}", fmt::join(expected, "\n")));
      subscribers += expected.size();
    }
    CHECK(subscribers > 0);
  }

  TEST_CASE("rows outside the cycle: billed ones are duplicates, late ones the caller's") {
    // The second month's file carries three rows of the first month again: the caller says
    // the first was billed already (a duplicate, listed with the cycle that billed it), the
    // second is late and rated by it (counted as rated), the third late and rejected by its
    // rating (that reject); any other row outside the cycle is rejected as outside it.
    const test_months::month_scenario s = test_months::random_scenario(1);
    const auto [plan, book, cycles] = test_months::inputs_of(s);
    const std::vector<std::string> first = test_months::rows_in(s, cycles[0]);
    std::vector<std::string> rows = test_months::rows_in(s, cycles[1]);
    REQUIRE(first.size() >= 4);
    const std::size_t own = rows.size();
    rows.insert(rows.end(), first.begin(), first.begin() + 4);
    const std::filesystem::path file = write_usage(rows, "ratel_stream_closing_outside.csv");
    std::vector<std::uint32_t> seen;           // the outside rows' lines, as the hook got them
    const auto first_month = cycles[0].month;  // clang 14 cannot capture a structured binding
    const streamed_close got = close_streamed(
        plan, book, file, cycles[1], {}, 2, std::size_t{512} << 20,
        [&](const usage_batch& outside) {
          std::vector<set_aside_record> aside;
          for (const usage_record& r : outside.records()) seen.push_back(r.line);
          const auto& r = outside.records();
          aside.push_back({r[0].line, std::string(r[0].subscriber), first_month, {}});
          aside.push_back({r[1].line, std::string(r[1].subscriber), std::nullopt, {}});
          aside.push_back({r[2].line, std::string(r[2].subscriber), std::nullopt,
                           reject{r[2].line, reject_reason::unknown_subscriber,
                                  std::string(r[2].subscriber), std::string(r[2].id), "late"}});
          return aside;
        });
    // Lines: the header is line 1, so the first outside row is line own + 2.
    CHECK(seen == std::vector<std::uint32_t>{std::uint32_t(own + 2), std::uint32_t(own + 3),
                                             std::uint32_t(own + 4), std::uint32_t(own + 5)});
    const stream_result& r = got.result;
    CHECK(r.rows_read == own + 4);
    CHECK(r.rows_read == r.rated + r.rejected + r.duplicated);
    REQUIRE(r.duplicates.size() == 1);
    CHECK(r.duplicates[0].line == own + 2);
    CHECK(r.duplicates[0].billed_in == cycles[0].month);
    std::map<std::uint32_t, reject_reason> reasons;
    for (const reject& j : r.rejects) reasons[j.line] = j.reason;
    CHECK(reasons.at(std::uint32_t(own + 4)) == reject_reason::unknown_subscriber);
    CHECK(reasons.at(std::uint32_t(own + 5)) == reject_reason::outside_cycle);
    CHECK_FALSE(reasons.contains(std::uint32_t(own + 3)));  // rated by the caller
    // The close gets none of them: they are not records of this cycle.
    for (const std::string& part : got.parts)
      for (std::size_t k = 0; k < 4; ++k) {
        const std::string id = first[k].substr(0, first[k].find(','));
        CHECK(part.find("|" + id + ";") == std::string::npos);
        CHECK(part.find(";" + id + ";") == std::string::npos);
      }
    std::filesystem::remove(file);
  }
}
