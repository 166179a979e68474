#include "audit/line_reader.h"

#include <unistd.h>
#include <zlib.h>

#include <cstring>

namespace netwarden::audit {

namespace {
constexpr size_t kMaxLine = 16 << 20;
}  // namespace

Result<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path) {
  gzFile file = nullptr;
  if (path == "-") {
    int fd = dup(STDIN_FILENO);
    if (fd >= 0) file = gzdopen(fd, "rb");
  } else {
    file = gzopen(path.c_str(), "rb");
  }
  if (file == nullptr) {
    return MakeError(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  }
  gzbuffer(file, 256 * 1024);
  return std::unique_ptr<LineReader>(new LineReader(file));
}

LineReader::~LineReader() { gzclose(static_cast<gzFile>(file_)); }

bool LineReader::Fill() {
  if (at_eof_) return false;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a very long line
  int got = gzread(static_cast<gzFile>(file_), buffer_.data() + end_,
                   static_cast<unsigned>(buffer_.size() - end_));
  if (got < 0) {
    int code = 0;
    error_ = gzerror(static_cast<gzFile>(file_), &code);
    at_eof_ = true;
    return false;
  }
  if (got == 0) {
    at_eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(got);
  return true;
}

bool LineReader::Next(std::string_view& line) {
  size_t scanned = begin_;
  while (true) {
    const char* start = buffer_.data() + scanned;
    const void* newline = std::memchr(start, '\n', end_ - scanned);
    if (newline != nullptr) {
      size_t at = static_cast<size_t>(static_cast<const char*>(newline) - buffer_.data());
      line = std::string_view(buffer_.data() + begin_, at - begin_);
      begin_ = at + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return true;
    }
    size_t unscanned_offset = end_ - begin_;
    if (end_ - begin_ >= kMaxLine) {  // not a log line; hand it over in pieces, never hoard it
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      begin_ = end_;
      return true;
    }
    if (!Fill()) {
      if (begin_ == end_) return false;
      line = std::string_view(buffer_.data() + begin_, end_ - begin_);
      begin_ = end_;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return true;
    }
    scanned = begin_ + unscanned_offset;
  }
}

}  // namespace netwarden::audit
