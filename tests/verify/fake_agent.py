#!/usr/bin/env python3
"""Answers one control-socket request the way the agent's `situation` command will:
{"ok": true, "policy": PATH, "situation": <the situation file's text>}. Usage: SOCK POLICY SITUATION"""
import json
import socket
import sys

path, policy, situation_file = sys.argv[1:4]
with open(situation_file) as f:
    situation = f.read()
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(path)
server.listen(1)
server.settimeout(30)
conn, _ = server.accept()
request = json.loads(conn.makefile().readline())
if request.get("command") == "situation":
    answer = {"ok": True, "policy": policy, "situation": situation}
else:
    answer = {"ok": False, "error": "unknown command"}
conn.sendall((json.dumps(answer) + "\n").encode())
conn.close()
