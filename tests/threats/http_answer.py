#!/usr/bin/env python3
"""Lab HTTP server that answers every GET with one fixed body. `{host}` in the body becomes the
address the request was sent to and `{peer}` the client's address, so a test can tell which
server answered and which source address reached it (a tunnel's, after masquerade).
usage: http_answer.py ADDRESS PORT BODY"""
import http.server
import sys

address, port, body = sys.argv[1], int(sys.argv[2]), sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        text = body.format(host=self.connection.getsockname()[0], peer=self.client_address[0])
        data = (text + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer((address, port), Handler).serve_forever()
