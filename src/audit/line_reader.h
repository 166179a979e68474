#pragma once
// Streams lines from a plain or gzip-compressed file, or standard input ("-"), in constant
// memory. zlib reads uncompressed input transparently, so one code path serves both.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace netwarden::audit {

class LineReader {
 public:
  static Result<std::unique_ptr<LineReader>> Open(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its terminator; valid until the next call. False at the end or on
  // a read error (see error()).
  bool Next(std::string_view& line);
  const std::string& error() const { return error_; }

 private:
  explicit LineReader(void* file) : file_(file), buffer_(1 << 20) {}
  bool Fill();

  void* file_;  // gzFile, kept opaque so that zlib.h stays out of this header
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool at_eof_ = false;
  std::string error_;
};

}  // namespace netwarden::audit
