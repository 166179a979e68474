// connect_latency: times N blocking TCP connect() calls to a listener of its own on loopback and
// prints "p50_us p99_us". Run inside the cgroup whose BPF programs are being measured.
//   connect_latency [N] [PORT]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  const int count = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int port = argc > 2 ? std::atoi(argv[2]) : 18080;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listener, 4096) != 0) {
    std::perror("listen");
    return 1;
  }
  std::thread acceptor([listener] {
    while (true) {
      int client = accept(listener, nullptr, nullptr);
      if (client >= 0) close(client);
    }
  });
  acceptor.detach();
  std::vector<double> micros;
  micros.reserve(count);
  for (int i = 0; i < count + 200; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    const auto start = std::chrono::steady_clock::now();
    const int result = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    const auto end = std::chrono::steady_clock::now();
    if (result != 0) {
      std::perror("connect");
      return 1;
    }
    close(fd);
    if (i >= 200) micros.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  std::sort(micros.begin(), micros.end());
  std::printf("%.2f %.2f\n", micros[micros.size() / 2], micros[micros.size() * 99 / 100]);
  return 0;
}
