// io/output.hpp: files appear complete or not at all, only inside the folder asked for,
// and every failure says why (issue 14, items 3, 4, 5 and 14; docs/design.md section 7).
#include <doctest/doctest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "ratel/io/output.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh empty folder under the system's temporary folder, removed at the end.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    path = fs::temp_directory_path() / ("ratel-output-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch_dir() { fs::remove_all(path); }
};

std::string content(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

const date::year_month july = date::year{2012} / 7;

// What `write_files` throws as output_error (empty if nothing), run with the process's
// file size limit at 4096 bytes: write(2) then fails with EFBIG, as a full disk makes it
// fail with ENOSPC, without needing a small file system (the CLI's tests use one, as root).
template <typename F>
std::string error_past_4096_bytes(F write_files) {
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  std::string message;
  try {
    write_files();
  } catch (const ratel::output_error& e) {
    message = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  return message;
}

}  // namespace

TEST_SUITE("output") {
  TEST_CASE("bill file names: an ordinary id is itself, any other byte is %XX") {
    CHECK(ratel::bill_file_name("13900000001", july, "json") == "13900000001-2012-07.json");
    CHECK(ratel::bill_file_name("a.b_c-d+e", july, "csv") == "a.b_c-d+e-2012-07.csv");
    // '/' and a leading '.' are encoded: the name stays one plain name inside DIR.
    CHECK(ratel::bill_file_name("../../victim/pwned", july, "json") ==
          "%2E.%2F..%2Fvictim%2Fpwned-2012-07.json");
    CHECK(ratel::bill_file_name("/etc/passwd", july, "txt") == "%2Fetc%2Fpasswd-2012-07.txt");
    // NUL cannot cut the name short and make it another subscriber's.
    CHECK(ratel::bill_file_name(std::string_view("13900000001-2012-07.json\0", 25), july, "json") ==
          "13900000001-2012-07.json%00-2012-07.json");
    CHECK(ratel::bill_file_name("a\nb\x1b", july, "json") == "a%0Ab%1B-2012-07.json");
    // '%' itself is encoded, so no id can spell another's encoding.
    CHECK(ratel::bill_file_name("%2E", july, "json") == "%252E-2012-07.json");
  }

  TEST_CASE("bill file names: different ids give different names") {
    // x and ./x were one file before; which bill survived depended on thread timing.
    CHECK(ratel::bill_file_name("x", july, "json") != ratel::bill_file_name("./x", july, "json"));
    CHECK(ratel::bill_file_name("./x", july, "json") == "%2E%2Fx-2012-07.json");
  }

  TEST_CASE("bill file names: a very long id is cut and made unique by a hash of it") {
    const std::string a(300, 'a');
    std::string b = a;
    b.back() = 'b';
    const std::string name_a = ratel::bill_file_name(a, july, "json");
    const std::string name_b = ratel::bill_file_name(b, july, "json");
    // 120 kept bytes, '~', 16 hex digits, "-2012-07.json": 150 bytes, under the 255 a
    // file system allows.
    CHECK(name_a.size() == 150);
    CHECK(name_a.substr(0, 121) == std::string(120, 'a') + "~");
    CHECK(name_a != name_b);
    // Never cut inside a %XX: 119 'a' then '/' (%2F) would put the cut at "%2".
    const std::string c = std::string(119, 'a') + std::string(100, '/');
    CHECK(ratel::bill_file_name(c, july, "json").substr(119, 1) == "~");
  }

  TEST_CASE("a committed file has its bytes under its final name and nothing else is left") {
    scratch_dir d;
    ratel::output_dir out(d.path / "bills");
    ratel::atomic_file f = out.create("s1-2012-07.json");
    f.write("{}\n");
    // Before commit the file has no name (O_TMPFILE: a kill now leaves nothing); only a
    // file system without O_TMPFILE shows a hidden temporary name.
    CHECK(names_in(d.path / "bills").size() <= 1);
    CHECK(!fs::exists(d.path / "bills" / "s1-2012-07.json"));
    f.commit();
    out.sync();
    CHECK(content(d.path / "bills" / "s1-2012-07.json") == "{}\n");
    CHECK(names_in(d.path / "bills") == std::set<std::string>{"s1-2012-07.json"});
  }

  TEST_CASE("a file never committed leaves nothing, not even its temporary name") {
    scratch_dir d;
    {
      ratel::atomic_file f = ratel::atomic_file::create(d.path / "rejects.csv");
      f.write("line,subscriber,id,reason,detail\n");
    }
    CHECK(names_in(d.path).empty());
  }

  TEST_CASE("a symbolic link planted under the final name is replaced, its target untouched") {
    scratch_dir d;
    const fs::path victim = d.path / "victim.txt";
    std::ofstream(victim) << "precious\n";
    ratel::output_dir out(d.path / "bills");
    fs::create_symlink(victim, d.path / "bills" / "s1-2012-07.json");
    ratel::atomic_file f = out.create("s1-2012-07.json");
    f.write("{}\n");
    f.commit();
    CHECK(content(victim) == "precious\n");
    CHECK(!fs::is_symlink(d.path / "bills" / "s1-2012-07.json"));
    CHECK(content(d.path / "bills" / "s1-2012-07.json") == "{}\n");
  }

  TEST_CASE("names that are not one plain name are refused") {
    scratch_dir d;
    ratel::output_dir out(d.path);
    for (std::string_view bad :
         {std::string_view(".."), std::string_view("."), std::string_view("a/b"),
          std::string_view(""), std::string_view("a\0b", 3)})
      CHECK_THROWS_AS((void)out.create(bad), ratel::output_error);
    CHECK(names_in(d.path).empty());
  }

  TEST_CASE("--out naming a file is refused with the reason") {
    scratch_dir d;
    std::ofstream(d.path / "a-file") << "x";
    try {
      ratel::output_dir out(d.path / "a-file");
      FAIL("a file was taken for a folder");
    } catch (const ratel::output_error& e) {
      CHECK(std::string(e.what()).find((d.path / "a-file").string() +
                                       ": cannot create the folder: ") == 0);
    }
  }

  TEST_CASE("a write that fails names the file and the system's reason: nothing is left") {
    scratch_dir d;
    const std::string message = error_past_4096_bytes([&] {
      ratel::atomic_file f = ratel::atomic_file::create(d.path / "bills.json");
      f.write(std::string(3 << 20, 'x'));  // past the buffer: written at once
      f.commit();
    });
    CHECK(message == (d.path / "bills.json").string() + ": cannot write: File too large");
    CHECK(names_in(d.path).empty());
  }

  TEST_CASE("a device is written in place, and its write error is reported at commit") {
    // /dev/full accepts the open and fails every write with ENOSPC: the bytes are
    // buffered, so the failure comes at commit, and names the device and the reason.
    std::string message;
    try {
      ratel::atomic_file f = ratel::atomic_file::create("/dev/full");
      f.write("line,subscriber,id,reason,detail\n");
      f.commit();
    } catch (const ratel::output_error& e) {
      message = e.what();
    }
    CHECK(message == "/dev/full: cannot write: No space left on device");
    // /dev/null takes everything; it is neither replaced nor refused.
    ratel::atomic_file null = ratel::atomic_file::create("/dev/null");
    null.write("anything\n");
    CHECK_NOTHROW(null.commit());
    CHECK(fs::is_character_file("/dev/null"));
  }

  TEST_CASE("a folder named as a file is refused") {
    scratch_dir d;
    CHECK_THROWS_WITH_AS((void)ratel::atomic_file::create(d.path),
                         (d.path.string() + ": is a folder, not a file").c_str(),
                         ratel::output_error);
  }

  TEST_CASE("a file batch: files appear under their final names by whole flushes only") {
    // Three files per flush: the third add puts the first three in place at once; the
    // fourth and fifth wait, as hidden temporaries, for finish().
    scratch_dir d;
    ratel::output_dir out(d.path);
    ratel::file_batch batch(out, 3);
    batch.add("a.json", "1\n");
    batch.add("b.json", "2\n");
    CHECK(names_in(d.path).size() == 2);  // two hidden .ratel-tmp-* names, no final one
    CHECK(!fs::exists(d.path / "a.json"));
    batch.add("c.json", "3\n");
    CHECK(names_in(d.path) == std::set<std::string>{"a.json", "b.json", "c.json"});
    batch.add("d.json", "4\n");
    batch.add("e.json", "5\n");
    CHECK(!fs::exists(d.path / "d.json"));
    batch.finish();
    CHECK(names_in(d.path) ==
          std::set<std::string>{"a.json", "b.json", "c.json", "d.json", "e.json"});
    CHECK(content(d.path / "a.json") == "1\n");
    CHECK(content(d.path / "e.json") == "5\n");
  }

  TEST_CASE("a file batch destroyed before finish leaves only the files of whole flushes") {
    scratch_dir d;
    ratel::output_dir out(d.path);
    {
      ratel::file_batch batch(out, 2);
      batch.add("a.json", "1\n");
      batch.add("b.json", "2\n");  // the first flush: a and b in place
      batch.add("c.json", "3\n");  // pending: removed with the batch
    }
    CHECK(names_in(d.path) == std::set<std::string>{"a.json", "b.json"});
  }

  TEST_CASE("a file batch replaces a planted symbolic link, never its target") {
    scratch_dir d;
    const fs::path victim = d.path / "victim.txt";
    std::ofstream(victim) << "precious\n";
    ratel::output_dir out(d.path / "bills");
    fs::create_symlink(victim, d.path / "bills" / "s1-2012-07.json");
    ratel::file_batch batch(out);
    batch.add("s1-2012-07.json", "{}\n");
    batch.finish();
    CHECK(content(victim) == "precious\n");
    CHECK(!fs::is_symlink(d.path / "bills" / "s1-2012-07.json"));
    CHECK(content(d.path / "bills" / "s1-2012-07.json") == "{}\n");
    CHECK(names_in(d.path / "bills") == std::set<std::string>{"s1-2012-07.json"});
  }

  TEST_CASE(
      "a file batch refuses names that are not one plain name, and a failed write "
      "leaves nothing") {
    scratch_dir d;
    ratel::output_dir out(d.path);
    ratel::file_batch batch(out);
    CHECK_THROWS_AS(batch.add("../escape.json", "x"), ratel::output_error);
    CHECK_THROWS_AS(batch.add("", "x"), ratel::output_error);
    const std::string message =
        error_past_4096_bytes([&] { batch.add("big.json", std::string(8192, 'x')); });
    CHECK(message == (d.path / "big.json").string() + ": cannot write: File too large");
    batch.finish();
    CHECK(names_in(d.path).empty());
    CHECK(!fs::exists(d.path.parent_path() / "escape.json"));
  }
}
