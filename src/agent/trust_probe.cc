#include "agent/trust_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace netwarden::agent {
namespace {

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

std::string Hex(const unsigned char* data, unsigned length) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

bool ConnectWithTimeout(int fd, const sockaddr* address, socklen_t length,
                        std::chrono::milliseconds timeout, std::string& error) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (connect(fd, address, length) != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  pollfd waiting{fd, POLLOUT, 0};
  if (poll(&waiting, 1, static_cast<int>(timeout.count())) != 1) {
    error = "connect: timed out";
    return false;
  }
  int socket_error = 0;
  socklen_t size = sizeof(socket_error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &size);
  if (socket_error != 0) {
    error = std::string("connect: ") + std::strerror(socket_error);
    return false;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return true;
}

}  // namespace

ProbeOutcome RunTrustProbe(const ProbeTarget& target, const std::string& interface,
                           std::chrono::milliseconds timeout) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (target.address.is_v4()) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(target.port);
    std::memcpy(&v4->sin_addr, target.address.bytes().data(), 4);
    length = sizeof(*v4);
  } else {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(target.port);
    std::memcpy(&v6->sin6_addr, target.address.bytes().data(), 16);
    length = sizeof(*v6);
  }
  FdCloser socket_fd{socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (socket_fd.fd < 0) return {false, std::string("socket: ") + std::strerror(errno)};
  // Over this interface only: a probe answered through another path proves nothing about it.
  if (setsockopt(socket_fd.fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                 static_cast<socklen_t>(interface.size())) != 0) {
    return {false, std::string("bind to ") + interface + ": " + std::strerror(errno)};
  }
  std::string error;
  if (!ConnectWithTimeout(socket_fd.fd, reinterpret_cast<sockaddr*>(&storage), length, timeout,
                          error)) {
    return {false, error};
  }

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            &SSL_CTX_free);
  if (!context) return {false, "TLS: cannot create a context"};
  // Trust comes from the pin, not from a CA: the probe server usually has a private certificate.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  std::unique_ptr<SSL, decltype(&SSL_free)> tls(SSL_new(context.get()), &SSL_free);
  SSL_set_fd(tls.get(), socket_fd.fd);
  if (!target.server_name.empty()) SSL_set_tlsext_host_name(tls.get(), target.server_name.c_str());
  if (SSL_connect(tls.get()) != 1) {
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof(text));
    return {false, std::string("TLS handshake failed: ") + (text[0] ? text : "timeout or reset")};
  }
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(tls.get()),
                                                          &X509_free);
  if (!certificate) return {false, "server sent no certificate"};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  if (X509_digest(certificate.get(), EVP_sha256(), digest, &digest_length) != 1) {
    return {false, "cannot hash the server certificate"};
  }
  const std::string fingerprint = Hex(digest, digest_length);
  SSL_shutdown(tls.get());
  if (fingerprint != target.sha256) {
    return {false, "certificate sha256 " + fingerprint + " does not match the pin"};
  }
  return {true, "certificate sha256 " + fingerprint + " matches"};
}

}  // namespace netwarden::agent
