// Replays inputs through a fuzz target without libFuzzer: how the normal
// build runs the seed corpus and the crash regressions as a test.
#include "fuzz_target.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

/// The files of `path` (recursively, in name order), or `path` itself.
std::vector<fs::path> inputs_of(const fs::path &path) {
  if (!fs::is_directory(path))
    return {path};
  std::vector<fs::path> files;
  for (const auto &entry : fs::recursive_directory_iterator(path))
    if (entry.is_regular_file())
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

/// Runs LLVMFuzzerTestOneInput once on every file of the directories or files
/// named on the command line. Exits 0 when every input ran, 1 when there was
/// none; a crash or a broken invariant aborts the process.
int main(int argc, char **argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <directory or file>...\n";
    return 2;
  }
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path path = argv[i];
    if (!fs::exists(path)) {
      std::cerr << "replay: " << path.string() << " does not exist\n";
      return 2;
    }
    for (const fs::path &file : inputs_of(path)) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      if (in.bad()) {
        std::cerr << "replay: cannot read " << file.string() << "\n";
        return 2;
      }
      // Flushed before the run, so that the last line names the input of a crash.
      std::cout << "replay: " << file.string() << std::endl;
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
      ++count;
    }
  }
  if (count == 0) {
    std::cerr << "replay: no input found\n";
    return 1;
  }
  std::cout << "replay: " << count << " inputs ran without a crash\n";
  return 0;
}
