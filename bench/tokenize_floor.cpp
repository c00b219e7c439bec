// tokenize_floor: the cheapest full tokenization of a CSV file, the floor bench/compare.sh
// sets ratel against (issue 19): every field of every row found once (its end: a comma or a
// newline), nothing validated, nothing converted; quotes are not looked at (the generated
// months have none). Prints the rows and fields found, so that the work cannot be skipped.
//
//   tokenize_floor FILE
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tokenize_floor FILE\n");
    return 2;
  }
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::perror(argv[1]);
    return 1;
  }
  std::vector<char> block(std::size_t{1} << 20);
  std::uint64_t rows = 0, fields = 0, field_bytes = 0, field_start = 0, at = 0;
  for (;;) {
    const ssize_t got = read(fd, block.data(), block.size());
    if (got < 0) {
      std::perror(argv[1]);
      return 1;
    }
    if (got == 0) break;
    for (ssize_t i = 0; i < got; ++i, ++at) {
      const char c = block[static_cast<std::size_t>(i)];
      if (c == ',' || c == '\n') {
        ++fields;
        field_bytes += at - field_start;  // each field's extent, as a reader would take it
        field_start = at + 1;
        rows += c == '\n';
      }
    }
  }
  close(fd);
  std::printf("%llu rows, %llu fields, %llu bytes of fields\n",
              static_cast<unsigned long long>(rows), static_cast<unsigned long long>(fields),
              static_cast<unsigned long long>(field_bytes));
  return 0;
}
