#include "threats/fetch.h"

#include <curl/curl.h>

#include <memory>

namespace netwarden::threats {
namespace {

struct Transfer {
  FetchResponse response;
  size_t max_bytes = 0;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t bytes = size * count;
  if (transfer->response.body.size() + bytes > transfer->max_bytes) {
    transfer->too_big = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  transfer->response.body.append(data, bytes);
  return bytes;
}

std::string_view TrimHeaderValue(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  return value;
}

bool HeaderIs(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (HeaderIs(line, "etag")) {
    transfer->response.etag = TrimHeaderValue(line.substr(5));
  } else if (HeaderIs(line, "last-modified")) {
    transfer->response.last_modified = TrimHeaderValue(line.substr(14));
  }
  return size * count;
}

}  // namespace

Result<FetchResponse> Fetch(const FetchRequest& request) {
  static const bool initialized = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return MakeError(ErrorCode::kInternal, "libcurl failed to initialize");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return MakeError(ErrorCode::kInternal, "curl_easy_init failed");

  if (!request.url.starts_with("https://") && !request.url.starts_with("file://")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     request.url + ": feeds are fetched over https:// only");
  }
  Transfer transfer;
  transfer.max_bytes = request.max_bytes;
  struct curl_slist* headers = nullptr;
  if (!request.etag.empty()) {
    headers = curl_slist_append(headers, ("If-None-Match: " + request.etag).c_str());
  }
  if (!request.last_modified.empty()) {
    headers = curl_slist_append(headers, ("If-Modified-Since: " + request.last_modified).c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          curl_slist_free_all);
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https,file");
  // A redirect may only lead to https: an https feed redirected to http would be a downgrade.
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  if (!request.ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, request.ca_file.c_str());
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT, request.timeout_seconds);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_seconds);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, "");  // gzip if the server offers it
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "netwarden-threats/1");
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);

  CURLcode code = curl_easy_perform(handle);
  if (transfer.too_big) {
    return MakeError(ErrorCode::kIo, request.url + ": larger than the limit of " +
                                         std::to_string(request.max_bytes) + " bytes");
  }
  if (code != CURLE_OK) {
    return MakeError(ErrorCode::kIo, request.url + ": " + curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (request.url.starts_with("file://")) return std::move(transfer.response);
  if (status == 304) {
    transfer.response.not_modified = true;
    transfer.response.body.clear();
    return std::move(transfer.response);
  }
  if (status != 200) {
    return MakeError(ErrorCode::kIo, request.url + ": HTTP status " + std::to_string(status));
  }
  return std::move(transfer.response);
}

}  // namespace netwarden::threats
