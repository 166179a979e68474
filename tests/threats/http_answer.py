#!/usr/bin/env python3
"""Lab HTTP server that answers every GET with one fixed body. `{host}` in the body becomes the
address the request was sent to and `{peer}` the client's address, so a test can tell which
server answered and which source address reached it (a tunnel's, after masquerade).
An IPv6 ADDRESS (`::`) serves IPv4 too; IPv4 addresses are then reported as such, not as
::ffff:-mapped ones, so the body does not depend on how the server listens.
usage: http_answer.py ADDRESS PORT BODY"""
import http.server
import socket
import sys

address, port, body = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def plain(text):
    return text.removeprefix("::ffff:") if "." in text else text


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            # Dual stack whatever the namespace's net.ipv6.bindv6only says.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        text = body.format(host=plain(self.connection.getsockname()[0]), peer=plain(self.client_address[0]))
        data = (text + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


Server((address, port), Handler).serve_forever()
