// Batch shards: which shard a subscriber is in (run/stream.hpp, subscriber_shard), and the
// merge of the shards' outputs into one run's (io/shard_merge.hpp). The end-to-end check,
// N processes against one, is tests/shards/shards.sh.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "ratel/error.hpp"
#include "ratel/io/shard_merge.hpp"
#include "ratel/run/stream.hpp"

using namespace ratel;

namespace {

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  const std::filesystem::path file = std::filesystem::temp_directory_path() / name;
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

std::string merged(shard_output kind, const std::vector<std::filesystem::path>& files) {
  std::string out;
  merge_shard_outputs(kind, files, [&](std::string_view text) { out += text; });
  return out;
}

}  // namespace

TEST_SUITE("shards") {
  TEST_CASE("every subscriber is in one shard, the same in every run") {
    // A function of the subscriber's bytes only: pinned here, so that a change of the hash
    // (which would move subscribers between the shards of one run made by two ratels) is
    // seen. And N shards cover every subscriber once, each shard with about 1/N of them.
    CHECK(subscriber_shard("13800000001", 7) == 3);
    CHECK(subscriber_shard("13800000002", 7) == 6);
    CHECK(subscriber_shard("", 7) == 0);
    CHECK(subscriber_shard("13800000001", 1) == 0);
    std::vector<std::size_t> per_shard(7);
    for (int s = 0; s < 7000; ++s) ++per_shard.at(subscriber_shard(fmt::format("138{:08}", s), 7));
    for (std::size_t n : per_shard) CHECK((n > 850 && n < 1150));  // 1000 each, give or take
  }

  TEST_CASE("JSON bills merge by subscriber; an empty shard is []") {
    const auto a =
        write_file("ratel_merge_a.json",
                   "[\n  {\n    \"subscriber\": \"s1\",\n    \"total\": \"1.00\"\n  },\n"
                   "  {\n    \"subscriber\": \"s3\",\n    \"total\": \"3.00\"\n  }\n]\n");
    const auto b = write_file("ratel_merge_b.json",
                              "[\n  {\n    \"subscriber\": \"s2\",\n    \"lines\": [\n      {\n"
                              "        \"subscriber\": \"zz\"\n      }\n    ]\n  }\n]\n");
    const auto empty = write_file("ratel_merge_empty.json", "[]\n");
    CHECK(merged(shard_output::bills_json, {b, empty, a}) ==
          "[\n  {\n    \"subscriber\": \"s1\",\n    \"total\": \"1.00\"\n  },\n"
          "  {\n    \"subscriber\": \"s2\",\n    \"lines\": [\n      {\n"
          "        \"subscriber\": \"zz\"\n      }\n    ]\n  },\n"
          "  {\n    \"subscriber\": \"s3\",\n    \"total\": \"3.00\"\n  }\n]\n");
    CHECK(merged(shard_output::bills_json, {empty, empty}) == "[]\n");
  }

  TEST_CASE("CSV rows merge by their first field, quoted or not, a quoted line end kept") {
    // Rejects by line number (9 after 10 as text, before it as a number); events by
    // subscriber, a quoted subscriber read unquoted.
    const auto r1 = write_file("ratel_merge_r1.csv",
                               "line,subscriber,id,reason,detail\n9,s,a,malformed_row,\"x\ny\"\n"
                               "12,s,b,duplicate,z\n");
    const auto r2 =
        write_file("ratel_merge_r2.csv", "line,subscriber,id,reason,detail\n10,t,c,x,y\n");
    CHECK(merged(shard_output::rejects_csv, {r1, r2}) ==
          "line,subscriber,id,reason,detail\n9,s,a,malformed_row,\"x\ny\"\n10,t,c,x,y\n"
          "12,s,b,duplicate,z\n");
    const std::string header =
        "subscriber,cycle,time,kind,product,record,threshold,counter,limit_kbps,reason\n";
    const auto e1 = write_file("ratel_merge_e1.csv", header + "\"a,1\",2012-07,t,k,p,r,,,,\n");
    const auto e2 =
        write_file("ratel_merge_e2.csv", header + "a,2012-07,t,k,p,r,,,,\nb,2012-07,t,k,p,r,,,,\n");
    CHECK(merged(shard_output::events_csv, {e2, e1}) ==
          header + "a,2012-07,t,k,p,r,,,,\n\"a,1\",2012-07,t,k,p,r,,,,\nb,2012-07,t,k,p,r,,,,\n");
  }

  TEST_CASE("text bills merge by the subscriber of their first line, a blank line between") {
    const auto a =
        write_file("ratel_merge_a.txt",
                   "Bill s1 for 2012-07 (CNY)\n  total 1.00\n\nBill s1 for 2012-08 (CNY)\n"
                   "  total 2.00\n");
    const auto b = write_file("ratel_merge_b.txt", "Bill s0 for 2012-07 (CNY)\n  total 0.00\n");
    CHECK(merged(shard_output::bills_text, {a, b}) ==
          "Bill s0 for 2012-07 (CNY)\n  total 0.00\n\nBill s1 for 2012-07 (CNY)\n  total 1.00\n\n"
          "Bill s1 for 2012-08 (CNY)\n  total 2.00\n");
  }

  TEST_CASE("what is not one shard's output is refused with the file and line") {
    const auto unsorted = write_file("ratel_merge_unsorted.txt",
                                     "Bill s2 for 2012-07 (CNY)\n\nBill s1 for 2012-07 (CNY)\n");
    CHECK_THROWS_WITH_AS(merged(shard_output::bills_text, {unsorted}),
                         doctest::Contains("ratel_merge_unsorted.txt:3"), input_error);
    const auto csv = write_file("ratel_merge_csv.json", "subscriber,cycle\n");
    CHECK_THROWS_WITH_AS(merged(shard_output::bills_json, {csv}),
                         doctest::Contains("does not start with ["), input_error);
  }
}
