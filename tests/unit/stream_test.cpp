// Streaming a file through subscriber shards (stream.hpp): the same bytes as rating the
// whole file in memory (batch.hpp), for any memory budget and thread count.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/stream.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

// 40 subscribers: plans, top-ups, joins without usage (a bill anyway), one closed in June
// (no bill, its records rejected), and s9x, whom the log does not know.
std::string log_body() {
  std::string log;
  for (int s = 0; s < 40; ++s) {
    const char* product = s % 3 == 0 ? "plan-a" : s % 3 == 1 ? "pack-low-code" : "";
    if (*product)
      log += fmt::format("s{},2012-06-01T00:00:00+08:00,subscribe,{},,\n", s, product);
    else
      log += fmt::format("s{},2012-01-01T00:00:00+08:00,join,,,\n", s);
    if (s % 7 == 0) log += fmt::format("s{},2012-07-10T00:00:00+08:00,subscribe,topup,,\n", s);
  }
  log += "gone,2012-01-01T00:00:00+08:00,join,,,\ngone,2012-06-20T00:00:00+08:00,close,,,\n";
  return log;
}

// Data rows of July and August (and a few of June, outside), with every kind of reject,
// duplicates of the same and of different content, quoted subscribers that must meet
// their unquoted rows, blank lines and CRLF line ends.
std::vector<std::string> rows() {
  std::vector<std::string> out;
  std::mt19937 rng(8);
  for (int i = 0; i < 3000; ++i) {
    const int s = static_cast<int>(rng() % 41);
    const std::string sub = s == 40 ? "s9x" : fmt::format("s{}", s);
    const int month = 6 + static_cast<int>(rng() % 20 == 0 ? 0 : 1 + rng() % 2);
    out.push_back(fmt::format("r{},{},2012-{:02}-{:02}T{:02}:{:02}:00+08:00,data,{},{}\n", i,
                              i % 11 == 0 ? "\"" + sub + "\"" : sub, month, 1 + rng() % 28,
                              rng() % 24, rng() % 60, 1024 * (1 + rng() % 5000),
                              i % 50 == 0 ? "KR" : ""));
  }
  for (int i = 0; i < 40; ++i) {  // duplicates: the same row again, or the same id changed
    out.push_back(out[static_cast<std::size_t>(i) * 61]);
    std::string changed = out[static_cast<std::size_t>(i) * 67];
    changed.insert(changed.find(",data,") + 6, "1");
    out.push_back(changed);
  }
  out.push_back("x1,gone,2012-07-02T10:00:00+08:00,data,1024,\n");
  out.push_back("x2,s1,2012-07-02T25:00:00+08:00,data,1024,\n");
  out.push_back("x3,s2,2012-07-02T10:00:00+08:00,fax,1024,\n");
  out.push_back("x4,s3,2012-07-02T10:00:00+08:00,data,-5,\n");
  out.push_back("x5,,2012-07-02T10:00:00+08:00,data,5,\n");
  out.push_back("\"x6,s4,2012-07-02T10:00:00+08:00,data,5,\n");  // a quote never closed
  out.push_back("x7\n");                                         // one field
  out.push_back("x8,s5,2012-07-02T10:00:00+08:00,data,5,kr\n");
  out.push_back("x9,\"s\"\"6\",2012-07-02T10:00:00+08:00,data,5,\n");
  out.push_back("   \n");
  out.push_back("x10,s6,2012-07-03T10:00:00+08:00,data,5,\r\n");
  return out;
}

std::string file_text(const std::vector<std::string>& body) {
  std::string text = "\xEF\xBB\xBFid,subscriber,time,service,quantity,country\n\n";
  for (const std::string& r : body) text += r;
  text.pop_back();  // the last line has no newline
  return text;
}

struct rendered {
  std::string json, text, csv, events, rejects;
  std::size_t rows_read = 0, rated = 0;
  bool operator==(const rendered&) const = default;
};

std::string rejects_of(const std::vector<reject>& rejects,
                       const std::vector<duplicate>& duplicates) {
  std::string out;
  for (const reject& r : rejects)
    out +=
        fmt::format("{} {} {} {} {}\n", r.line, to_string(r.reason), r.subscriber, r.id, r.detail);
  for (const duplicate& d : duplicates)
    out += fmt::format("{} dup of {} {} {} {}\n", d.line, d.kept_line, d.subscriber, d.id,
                       d.same_content);
  return out;
}

rendered in_memory(const rule_plan& plan, const account_book& book, const std::string& text,
                   std::span<const billing_cycle> cycles) {
  const usage_batch usage = parse_usage_csv(text, "usage.csv");
  const batch_result r = rate_batch(plan, book, usage, cycles, 1);
  return {bills_to_json(r.bills),
          bills_to_text(r.bills),
          bills_to_csv(r.bills),
          events_to_csv(r.bills),
          rejects_of(r.rejects, r.duplicates),
          r.rows_read,
          r.rated};
}

// `log`: the account log's file, read shard by shard (rate_file's second form); else `book`.
rendered streamed(const rule_plan& plan, const account_book& book,
                  const std::filesystem::path& file, std::span<const billing_cycle> cycles,
                  std::size_t budget, unsigned threads, bool& spilled,
                  const std::filesystem::path* log = nullptr) {
  rendered out;
  out.csv = bills_csv_header();
  out.events = events_csv_header();
  bill_output output;
  output.parts = 4;
  output.render = [](std::span<const bill> bills, std::span<std::string> parts) {
    for (const bill& b : bills) {
      if (!parts[0].empty()) parts[0] += ",\n";
      parts[0] += bill_to_json_element(b);
      if (!parts[1].empty()) parts[1] += "\n";
      parts[1] += bill_to_text(b);
      parts[2] += bill_to_csv_rows(b);
      parts[3] += bill_events_to_csv_rows(b);
    }
  };
  std::uint64_t handed_over = 0;  // bytes of rendered text given to write
  output.write = [&](std::span<const std::string> parts) {
    for (const std::string& p : parts) handed_over += p.size();
    out.json += out.json.empty() ? "[\n" : ",\n";
    out.json += parts[0];
    if (!out.text.empty()) out.text += "\n";
    out.text += parts[1];
    out.csv += parts[2];
    out.events += parts[3];
  };
  stream_options options;
  options.threads = threads;
  options.memory_budget = budget;
  batch_progress progress;
  options.progress = &progress;
  const stream_result r = log != nullptr ? rate_file(plan, *log, file, cycles, output, options)
                                         : rate_file(plan, book, file, cycles, output, options);
  // The display's total is the file's rows, not the last shard's records (a shard once
  // replaced it: "405968 of 135164 records"); what it counts done never passes it, and
  // takes in at least every rated record.
  CHECK(progress.records_total == r.rows_read);
  CHECK(progress.records_done <= progress.records_total);
  CHECK(progress.records_done >= r.rated);
  // Each phase's count ends at its total. Reading: the file after the byte order mark and
  // the header line. Rating: the rows, each with one line end, which is the body less the
  // blank lines ("\n" after the header, "   \n") and x10's "\r", and plus the line end
  // the last line lacks, whichever line is last: 5 bytes fewer.
  CHECK(progress.phase == run_phase::done);
  CHECK(progress.copied.done == 0);  // a regular file is read in place
  const std::uint64_t header =
      3 + std::string_view("id,subscriber,time,service,quantity,country\n").size();
  CHECK(progress.read.total == std::filesystem::file_size(file) - header);
  CHECK(progress.read.done == progress.read.total);
  CHECK(progress.rated.total + 5 == progress.read.total);
  CHECK(progress.rated.done == progress.rated.total);
  CHECK(progress.written.total == handed_over);
  CHECK(progress.written.done == progress.written.total);
  out.json += out.json.empty() ? "[]\n" : "\n]\n";
  out.rejects = rejects_of(r.rejects, r.duplicates);
  out.rows_read = r.rows_read;
  out.rated = r.rated;
  CHECK(r.rows_read == r.rated + r.rejects.size() + r.duplicates.size());
  spilled = r.spilled;
  return out;
}

}  // namespace

TEST_SUITE("stream") {
  TEST_CASE(
      "streamed shards give the bytes of the in-memory run, for any budget, threads and order") {
    const rule_plan plan = make_plan();
    const account_book book = make_book(plan, log_body());
    const std::vector<billing_cycle> cycles{
        calendar_month_cycle(date::year(2012) / date::July, plan.home_zone()),
        calendar_month_cycle(date::year(2012) / date::August, plan.home_zone())};
    std::vector<std::string> body = rows();
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / "ratel_stream_test.csv";
    std::mt19937 rng(2012);
    for (int round = 0; round < 2; ++round) {
      if (round == 1) std::shuffle(body.begin(), body.end(), rng);
      const std::string text = file_text(body);
      std::ofstream(file, std::ios::binary) << text;
      const rendered reference = in_memory(plan, book, text, cycles);
      CHECK(reference.rows_read == body.size() - 1);  // the blank line is not a row
      CHECK(reference.rejects.find("malformed_row") != std::string::npos);
      CHECK(reference.rejects.find("dup of") != std::string::npos);
      CHECK(reference.json.find("\"subscriber\": \"s0\"") != std::string::npos);
      for (const std::size_t budget :
           {std::size_t{1}, std::size_t{64} << 10, std::size_t{512} << 20})
        for (const unsigned threads : {1u, 2u, 3u}) {
          CAPTURE(budget);
          CAPTURE(threads);
          bool spilled = false;
          const rendered got = streamed(plan, book, file, cycles, budget, threads, spilled);
          CHECK(spilled == (budget < text.size()));
          CHECK(got.json == reference.json);
          CHECK(got.text == reference.text);
          CHECK(got.csv == reference.csv);
          CHECK(got.events == reference.events);
          CHECK(got.rejects == reference.rejects);
          CHECK(got.rated == reference.rated);
          CHECK(got.rows_read == reference.rows_read);
        }
    }
    std::filesystem::remove(file);
  }

  TEST_CASE("a file without a header, or with a bad one, fails as read_file does") {
    const rule_plan plan = make_plan();
    const account_book book = make_book(plan, "s1,2012-01-01T00:00:00+08:00,join,,,\n");
    const billing_cycle july =
        calendar_month_cycle(date::year(2012) / date::July, plan.home_zone());
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / "ratel_stream_header.csv";
    bill_output output{1, [](std::span<const bill>, std::span<std::string>) {},
                       [](std::span<const std::string>) {}};
    for (const char* text : {"", "\n  \n", "id,subscriber,time,service\nr1,s1,x,data\n",
                             "id,subscriber,id,time,service,quantity\n"}) {
      CAPTURE(text);
      std::ofstream(file, std::ios::binary) << text;
      std::string expected, got;
      try {
        (void)read_usage_csv(file);
      } catch (const input_error& e) {
        expected = e.what();
      }
      try {
        (void)rate_file(plan, book, file, std::span<const billing_cycle>(&july, 1), output);
      } catch (const input_error& e) {
        got = e.what();
      }
      CHECK(!expected.empty());
      CHECK(got == expected);
    }
    std::filesystem::remove(file);
  }
}

TEST_SUITE("stream") {
  // A run that must spill (budget 1 byte) with TMPDIR naming no directory: the error says
  // which directory, the system's reason and what to do.
  TEST_CASE("no spill directory: the error names TMPDIR and the way out") {
    const rule_plan plan = make_plan();
    const account_book book = make_book(plan, "s1,2012-01-01T00:00:00+08:00,join,,,\n");
    const billing_cycle july =
        calendar_month_cycle(date::year(2012) / date::July, plan.home_zone());
    const std::filesystem::path file =
        std::filesystem::temp_directory_path() / "ratel_stream_tmpdir.csv";
    std::ofstream(file, std::ios::binary) << "id,subscriber,time,service,quantity\n"
                                             "r1,s1,2012-07-02T10:00:00+08:00,data,1024\n";
    bill_output output{1, [](std::span<const bill>, std::span<std::string>) {},
                       [](std::span<const std::string>) {}};
    stream_options options;
    options.memory_budget = 1;
    const char* saved = std::getenv("TMPDIR");
    const std::string restore = saved ? saved : "";
    ::setenv("TMPDIR", "/nonexistent-ratel-tmp", 1);
    std::string message;
    try {
      (void)rate_file(plan, book, file, std::span<const billing_cycle>(&july, 1), output, options);
    } catch (const ratel::output_error& e) {
      message = e.what();
    }
    if (saved)
      ::setenv("TMPDIR", restore.c_str(), 1);
    else
      ::unsetenv("TMPDIR");
    std::filesystem::remove(file);
    CHECK(message.find("in /nonexistent-ratel-tmp: No such file or directory") !=
          std::string::npos);
    CHECK(message.find("the spill folder is /nonexistent-ratel-tmp ($TMPDIR, /tmp if unset)") !=
          std::string::npos);
    CHECK(message.find("raise --memory-budget") != std::string::npos);
  }
}

TEST_SUITE("stream") {
  // The account log read from its file shard by shard (each shard folding its own
  // subscribers' histories) against the book folded whole: the same bytes. The log's lines
  // are shuffled (a history depends on its lines' content, not their order), with a byte
  // order mark, blank lines and CRLF line ends as a file may have them.
  TEST_CASE("an account log folded shard by shard gives the bytes of the whole book") {
    const rule_plan plan = make_plan();
    const account_book book = make_book(plan, log_body());
    const std::vector<billing_cycle> cycles{
        calendar_month_cycle(date::year(2012) / date::July, plan.home_zone()),
        calendar_month_cycle(date::year(2012) / date::August, plan.home_zone())};
    const std::filesystem::path usage =
        std::filesystem::temp_directory_path() / "ratel_stream_log_usage.csv";
    const std::filesystem::path log =
        std::filesystem::temp_directory_path() / "ratel_stream_log_accounts.csv";
    const std::string text = file_text(rows());
    std::ofstream(usage, std::ios::binary) << text;
    std::vector<std::string> lines;
    const std::string body = log_body();
    for (std::size_t at = 0; at < body.size();) {
      const std::size_t end = body.find('\n', at);
      lines.push_back(body.substr(at, end - at));
      at = end + 1;
    }
    std::shuffle(lines.begin(), lines.end(), std::mt19937(7));
    std::string log_text = "\xEF\xBB\xBF\nsubscriber,time,action,product,amount,note\r\n";
    for (std::size_t i = 0; i < lines.size(); ++i)
      log_text += lines[i] + (i % 5 == 0 ? "\r\n" : i % 7 == 0 ? "\n  \n" : "\n");
    std::ofstream(log, std::ios::binary) << log_text;
    const rendered reference = in_memory(plan, book, text, cycles);
    // 40 subscribers with a bill in July and August (gone closed in June: none): 80 bills.
    CHECK(reference.csv.find("s39,2012-08") != std::string::npos);
    for (const std::size_t budget : {std::size_t{1}, std::size_t{64} << 10, std::size_t{512} << 20})
      for (const unsigned threads : {1u, 2u, 3u}) {
        CAPTURE(budget);
        CAPTURE(threads);
        bool spilled = false;
        const rendered got = streamed(plan, book, usage, cycles, budget, threads, spilled, &log);
        CHECK(got == reference);
      }
    // Under --shard I/N each run bills its own subscribers, as with the book.
    bill_output output;
    std::string got, expected;
    output.parts = 1;
    output.render = [](std::span<const bill> bills, std::span<std::string> parts) {
      for (const bill& b : bills) parts[0] += bill_to_csv_rows(b);
    };
    std::string* into = nullptr;
    output.write = [&](std::span<const std::string> parts) { *into += parts[0]; };
    for (std::size_t shard = 0; shard < 3; ++shard) {
      stream_options options;
      options.shard_index = shard;
      options.shard_count = 3;
      options.memory_budget = 1;
      into = &expected;
      (void)rate_file(plan, book, usage, cycles, output, options);
      into = &got;
      (void)rate_file(plan, log, usage, cycles, output, options);
    }
    CHECK(got == expected);
    // Every bill ends in one total row: 40 subscribers open in July and August (gone closed
    // in June, s9x unknown: no bill), 80 bills over the three shards.
    std::size_t totals = 0;
    for (std::size_t at = got.find(",,total,"); at != std::string::npos;
         at = got.find(",,total,", at + 1))
      ++totals;
    CHECK(totals == 80);
    std::filesystem::remove(usage);
    std::filesystem::remove(log);
  }

  // A bad log stops the run with the error reading and folding the whole log gives: the first
  // malformed line in the file, before any fold error; else the fold's first error in time
  // order (not the file's). The subscribers are spread over many shards (a budget of 1 byte
  // makes the most), each shard finding only its own.
  TEST_CASE("a bad account log read shard by shard fails as the whole log does") {
    const rule_plan plan = make_plan();
    const billing_cycle july =
        calendar_month_cycle(date::year(2012) / date::July, plan.home_zone());
    const std::filesystem::path usage =
        std::filesystem::temp_directory_path() / "ratel_stream_badlog_usage.csv";
    const std::filesystem::path log =
        std::filesystem::temp_directory_path() / "ratel_stream_badlog_accounts.csv";
    std::string usage_text = "id,subscriber,time,service,quantity\n";
    for (int s = 0; s < 40; ++s)
      usage_text += fmt::format("r{},s{},2012-07-02T10:00:00+08:00,data,1024\n", s, s);
    std::ofstream(usage, std::ios::binary) << usage_text;
    std::string good;
    for (int s = 0; s < 40; ++s) good += fmt::format("s{},2012-06-01T00:00:00+08:00,join,,,\n", s);
    const std::string header = "subscriber,time,action,product,amount,note\n";
    // Bills go out shard by shard: the shards before the one whose log fails may have
    // handed theirs over. With one shard (one thread, a small log), none is.
    std::size_t bills_written = 0;
    bill_output output{1, [](std::span<const bill>, std::span<std::string>) {},
                       [&](std::span<const std::string>) { ++bills_written; }};
    const std::vector<std::string> logs{
        // (the header is line 1, the 40 joins lines 2 to 41)
        // two malformed lines (s31 at line 43, s5 at line 44) after an unknown product (s17)
        header + good + "s17,2012-06-02T00:00:00+08:00,subscribe,no-such-plan,,\n" +
            "s31,2012-06-03T25:00:00+08:00,join,,,\n" + "s5,2012-06-03T00:00:00+08:00,fly,,,\n",
        // two unknown products: s23's (line 43) is the earlier in time, s8's (line 42) in the file
        header + good + "s8,2012-06-20T00:00:00+08:00,subscribe,no-such-plan,,\n" +
            "s23,2012-06-10T00:00:00+08:00,subscribe,no-such-pack,,\n",
        // two unknown products at one instant: the subscriber decides (s12, line 43, before s3)
        header + good + "s3,2012-06-10T00:00:00+08:00,subscribe,no-such-plan,,\n" +
            "s12,2012-06-10T00:00:00+08:00,subscribe,no-such-plan,,\n",
        "", "\n  \n", "subscriber,time\ns1,2012-06-01T00:00:00+08:00\n",
        // a line past 16 MiB (line 42), which reading the whole log refuses as not text
        header + good + "s9,2012-06-02T00:00:00+08:00,join,,," + std::string(17 << 20, 'x') + "\n"};
    const std::vector<std::string> expected_starts{
        "ratel_stream_badlog_accounts.csv:43:",
        "ratel_stream_badlog_accounts.csv:43:",
        "ratel_stream_badlog_accounts.csv:43:",
        "ratel_stream_badlog_accounts.csv:1:",
        "ratel_stream_badlog_accounts.csv:1:",
        "ratel_stream_badlog_accounts.csv:1:",
        "ratel_stream_badlog_accounts.csv:42:1: a line longer than 16 MiB"};
    for (std::size_t k = 0; k < logs.size(); ++k) {
      CAPTURE(k);
      std::ofstream(log, std::ios::binary) << logs[k];
      std::string expected;
      try {
        (void)fold_account_log(read_account_log(log), plan);
      } catch (const input_error& e) {
        expected = e.what();
      }
      CHECK(expected.find(expected_starts[k]) != std::string::npos);
      for (const std::size_t budget : {std::size_t{1}, std::size_t{512} << 20})
        for (const unsigned threads : {1u, 2u}) {
          CAPTURE(budget);
          CAPTURE(threads);
          stream_options options;
          options.threads = threads;
          options.memory_budget = budget;
          std::string got;
          bills_written = 0;
          try {
            (void)rate_file(plan, log, usage, std::span<const billing_cycle>(&july, 1), output,
                            options);
          } catch (const input_error& e) {
            got = e.what();
          }
          CHECK(got == expected);
          if (threads == 1 && budget > 1 && logs[k].size() < (1 << 20))
            CHECK(bills_written == 0);  // one shard, whose log fails before its bills
        }
    }
    std::filesystem::remove(usage);
    std::filesystem::remove(log);
  }
}
