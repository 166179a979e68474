#!/usr/bin/env python3
"""Lab feed server: serves files of a directory with a strong ETag (SHA-1 of the content) and no
Last-Modified, answers If-None-Match with 304, and logs each request's validator to stdout so a
test can prove the client sent it. usage: feed_server.py DIR ADDRESS PORT"""
import hashlib
import http.server
import os
import sys

root, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
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


http.server.ThreadingHTTPServer((address, port), Handler).serve_forever()
