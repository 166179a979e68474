#include "agent/trust_probe.h"

#include <arpa/inet.h>
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

using Clock = std::chrono::steady_clock;

// The one deadline of a probe: connect, handshake and shutdown all wait on it, so a server that
// trickles bytes cannot stretch the probe (each wait gets what is left, not a fresh timeout).
class Deadline {
 public:
  explicit Deadline(std::chrono::milliseconds budget) : at_(Clock::now() + budget) {}
  // Waits for `events` on `fd` until the deadline; false when it passed first or poll failed.
  bool Wait(int fd, short events) const {
    while (true) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(at_ - Clock::now());
      if (left.count() <= 0) return false;
      pollfd waiting{fd, events, 0};
      const int ready = poll(&waiting, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      return ready == 1;
    }
  }

 private:
  Clock::time_point at_;
};

bool Connect(int fd, const sockaddr* address, socklen_t length, const Deadline& deadline,
             std::string& error) {
  if (connect(fd, address, length) != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    return false;
  }
  if (!deadline.Wait(fd, POLLOUT)) {
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
  return true;
}

// SSL_connect on the non-blocking socket, waiting for what OpenSSL asks for until the deadline.
bool Handshake(SSL* tls, int fd, const Deadline& deadline, std::string& error) {
  while (true) {
    ERR_clear_error();
    const int rc = SSL_connect(tls);
    if (rc == 1) return true;
    const int reason = SSL_get_error(tls, rc);
    if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) {
      if (!deadline.Wait(fd, reason == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)) {
        error = "TLS handshake failed: timed out";
        return false;
      }
      continue;
    }
    char text[256] = {};
    ERR_error_string_n(ERR_get_error(), text, sizeof(text));
    error = std::string("TLS handshake failed: ") + (text[0] ? text : "connection closed");
    return false;
  }
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
  const Deadline deadline(timeout);
  FdCloser socket_fd{socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (socket_fd.fd < 0) return {false, std::string("socket: ") + std::strerror(errno)};
  // Over this interface only: a probe answered through another path proves nothing about it.
  if (setsockopt(socket_fd.fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                 static_cast<socklen_t>(interface.size())) != 0) {
    return {false, std::string("bind to ") + interface + ": " + std::strerror(errno)};
  }
  std::string error;
  if (!Connect(socket_fd.fd, reinterpret_cast<sockaddr*>(&storage), length, deadline, error)) {
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
  if (!Handshake(tls.get(), socket_fd.fd, deadline, error)) return {false, error};
  std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(tls.get()),
                                                          &X509_free);
  if (!certificate) return {false, "server sent no certificate"};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  if (X509_digest(certificate.get(), EVP_sha256(), digest, &digest_length) != 1) {
    return {false, "cannot hash the server certificate"};
  }
  const std::string fingerprint = Hex(digest, digest_length);
  SSL_shutdown(tls.get());  // sends close_notify; never waits for the server's
  if (fingerprint != target.sha256) {
    return {false, "certificate sha256 " + fingerprint + " does not match the pin"};
  }
  return {true, "certificate sha256 " + fingerprint + " matches"};
}

}  // namespace netwarden::agent
