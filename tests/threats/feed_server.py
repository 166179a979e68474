#!/usr/bin/env python3
"""Lab feed server: serves files of a directory with a strong ETag (SHA-1 of the content) and no
Last-Modified, answers If-None-Match with 304, and logs each request's validator to stdout so a
test can prove the client sent it. With CERT and KEY it speaks HTTPS (feeds are https only);
/to-http/NAME redirects to http://ADDRESS:PORT+1/NAME (a downgrade the client must refuse).
usage: feed_server.py DIR ADDRESS PORT [CERT KEY]"""
import hashlib
import http.server
import os
import ssl
import sys

root, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/to-http/"):
            target = f"http://{address}:{port + 1}/{os.path.basename(self.path)}"
            print(f"GET {self.path} -> 302 {target}", flush=True)
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = os.path.join(root, os.path.basename(self.path))
        sent = self.headers.get("If-None-Match", "-")
        try:
            with open(path, "rb") as f:
                body = f.read()
        except OSError:
            print(f"GET {self.path} if-none-match={sent} -> 404", flush=True)
            self.send_error(404)
            return
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        status = 304 if sent == etag else 200
        print(f"GET {self.path} if-none-match={sent} -> {status}", flush=True)
        self.send_response(status)
        self.send_header("ETag", etag)
        if status == 200:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status == 200:
            self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer((address, port), Handler)
if len(sys.argv) > 5:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
