// The trusted-network probe against real TLS servers on loopback (issue 14, item 1): a genuine
// server with the pinned certificate is trusted, another pin is not, and a server that trickles
// its handshake one byte at a time cannot keep the probe alive past its one deadline.
#include "agent/trust_probe.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <memory>
#include <thread>

namespace netwarden::agent {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Certificate {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> x509{nullptr, &X509_free};
  std::string sha256;
};

Certificate SelfSigned() {
  Certificate cert;
  cert.key.reset(EVP_EC_gen("P-256"));
  cert.x509.reset(X509_new());
  X509_set_version(cert.x509.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.x509.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.x509.get()), 3600);
  X509_set_pubkey(cert.x509.get(), cert.key.get());
  X509_NAME* name = X509_get_subject_name(cert.x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("probe.test"), -1, -1, 0);
  X509_set_issuer_name(cert.x509.get(), name);
  X509_sign(cert.x509.get(), cert.key.get(), EVP_sha256());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  X509_digest(cert.x509.get(), EVP_sha256(), digest, &length);
  static const char* kDigits = "0123456789abcdef";
  for (unsigned i = 0; i < length; ++i) {
    cert.sha256 += kDigits[digest[i] >> 4];
    cert.sha256 += kDigits[digest[i] & 15];
  }
  return cert;
}

// A listening socket on 127.0.0.1 with a kernel-chosen port; `serve` runs for one connection.
class LoopbackServer {
 public:
  template <typename Serve>
  explicit LoopbackServer(Serve serve) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length), 0);
    EXPECT_EQ(listen(listen_fd_, 4), 0);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, serve] {
      pollfd waiting{listen_fd_, POLLIN, 0};
      if (poll(&waiting, 1, 5000) != 1) return;
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0) return;
      serve(client, stop_);
      close(client);
    });
  }
  ~LoopbackServer() {
    stop_ = true;
    shutdown(listen_fd_, SHUT_RDWR);  // wakes a poll that still waits for a connection
    thread_.join();
    close(listen_fd_);
  }
  uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

ProbeTarget Target(uint16_t port, const std::string& sha256) {
  return ProbeTarget{*IpAddress::Parse("127.0.0.1"), port, "probe.test", sha256};
}

bool CanBindToDevice() {
  // The servers write into connections the probe has closed (as the agent does, ignore SIGPIPE).
  signal(SIGPIPE, SIG_IGN);
  // SO_BINDTODEVICE needs CAP_NET_RAW; `make test` runs as root.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const bool ok = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) == 0;
  close(fd);
  return ok;
}

TEST(TrustProbe, GenuineServerIsTrustedAndAnotherPinIsNot) {
  if (!CanBindToDevice()) GTEST_SKIP() << "needs CAP_NET_RAW for SO_BINDTODEVICE";
  const Certificate cert = SelfSigned();
  for (const bool right_pin : {true, false}) {
    LoopbackServer server([&](int client, std::atomic<bool>&) {
      std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_server_method()),
                                                                &SSL_CTX_free);
      SSL_CTX_use_certificate(context.get(), cert.x509.get());
      SSL_CTX_use_PrivateKey(context.get(), cert.key.get());
      std::unique_ptr<SSL, decltype(&SSL_free)> tls(SSL_new(context.get()), &SSL_free);
      SSL_set_fd(tls.get(), client);
      if (SSL_accept(tls.get()) == 1) SSL_shutdown(tls.get());
    });
    const std::string pin = right_pin ? cert.sha256 : std::string(64, 'a');
    const ProbeOutcome outcome = RunTrustProbe(Target(server.port(), pin), "lo", 3000ms);
    EXPECT_EQ(outcome.trusted, right_pin) << outcome.detail;
    EXPECT_NE(outcome.detail.find(right_pin ? "matches" : "does not match the pin"),
              std::string::npos)
        << outcome.detail;
  }
}

TEST(TrustProbe, TricklingServerCannotStretchTheDeadline) {
  if (!CanBindToDevice()) GTEST_SKIP() << "needs CAP_NET_RAW for SO_BINDTODEVICE";
  // A TLS record header announcing a 16 KiB handshake record, then one byte every 200 ms: each
  // byte arrives well within any per-read timeout, the record never completes.
  LoopbackServer server([](int client, std::atomic<bool>& stop) {
    const unsigned char header[] = {0x16, 0x03, 0x03, 0x40, 0x00};
    (void)!send(client, header, sizeof(header), MSG_NOSIGNAL);
    const auto started = Clock::now();
    while (!stop && Clock::now() - started < 8s) {
      std::this_thread::sleep_for(200ms);
      const unsigned char byte = 0x02;
      if (send(client, &byte, 1, MSG_NOSIGNAL) != 1) break;
    }
  });
  const auto started = Clock::now();
  const ProbeOutcome outcome =
      RunTrustProbe(Target(server.port(), std::string(64, 'a')), "lo", 1000ms);
  const auto took = Clock::now() - started;
  EXPECT_FALSE(outcome.trusted);
  EXPECT_NE(outcome.detail.find("timed out"), std::string::npos) << outcome.detail;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 1600ms);
}

TEST(TrustProbe, NothingListeningIsUntrustedAtOnce) {
  if (!CanBindToDevice()) GTEST_SKIP() << "needs CAP_NET_RAW for SO_BINDTODEVICE";
  uint16_t port;
  {
    LoopbackServer closed([](int, std::atomic<bool>&) {});
    port = closed.port();
  }  // closed again: the port refuses
  const auto started = Clock::now();
  const ProbeOutcome outcome = RunTrustProbe(Target(port, std::string(64, 'a')), "lo", 3000ms);
  EXPECT_FALSE(outcome.trusted);
  EXPECT_NE(outcome.detail.find("connect"), std::string::npos) << outcome.detail;
  EXPECT_LT(Clock::now() - started, 1s);
}

}  // namespace
}  // namespace netwarden::agent
