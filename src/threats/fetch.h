#pragma once
// Downloads a feed with libcurl: https:// and file:// only (plain http lets anyone on the path
// change the list), redirects followed to https only (never a downgrade), conditional on the
// last ETag and Last-Modified, with a total timeout and a size limit (a runaway body is cut and
// refused).

#include <cstddef>
#include <string>

#include "core/result.h"

namespace netwarden::threats {

struct FetchRequest {
  std::string url;
  std::string etag;           // from the last good copy; sent as If-None-Match
  std::string last_modified;  // sent as If-Modified-Since
  long timeout_seconds = 60;
  long connect_timeout_seconds = 15;
  size_t max_bytes = 64u * 1024 * 1024;
  std::string ca_file;  // trust only this CA bundle (a feed server with a private CA); "" = system
};

struct FetchResponse {
  bool not_modified = false;  // 304: keep what we have
  std::string body;
  std::string etag;
  std::string last_modified;
};

Result<FetchResponse> Fetch(const FetchRequest& request);

}  // namespace netwarden::threats
