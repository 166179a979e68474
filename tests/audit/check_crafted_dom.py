#!/usr/bin/env python3
"""Checks the DOM Chromium dumped for the crafted report (report_safety_browser_test.sh).

usage: check_crafted_dom.py <dom.html> <expected-users.json>
The matrix must have one row per expected user (names compared exactly, line ends normalised
as an HTML parser does), each with its red day; the findings table must be filled; nothing from
the data may have run (a crafted name sets data-pwned on <html> if it ever executes).
"""
import json
import sys
from html.parser import HTMLParser


def normalise(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # ids of the enclosing table / tbody
        self.rows = []  # [data-user, red cells]
        self.findings = 0
        self.pwned = False
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-pwned" in attrs:
            self.pwned = True
        if tag in ("table", "tbody"):
            self.stack.append(attrs.get("id", ""))
        elif tag == "tr" and self.stack and self.stack[-1] == "matrix" and "data-user" in attrs:
            self.rows.append([attrs["data-user"], 0])
        elif tag == "tr" and self.stack and self.stack[-1] == "findings-body":
            self.findings += 1
        elif tag == "td" and self.rows and "both" in (attrs.get("class") or "").split():
            if self.stack and self.stack[-1] == "matrix":
                self.rows[-1][1] += 1
        elif tag == "title":
            self.in_title = True

    def handle_endtag(self, tag):
        if tag in ("table", "tbody") and self.stack:
            self.stack.pop()
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


def main():
    dom_path, expected_path = sys.argv[1:3]
    with open(dom_path, encoding="utf-8", errors="replace") as f:
        dom = Dom()
        dom.feed(f.read())
    with open(expected_path, encoding="utf-8") as f:
        expected = [normalise(name) for name in json.load(f)]
    shown = [normalise(name) for name, _ in dom.rows]
    failures = []
    if dom.pwned:
        failures.append("a crafted string ran as script")
    if dom.title != "netwarden audit":
        failures.append(f"title changed to {dom.title!r}")
    if sorted(shown) != sorted(expected):
        missing = sorted(set(expected) - set(shown))
        extra = sorted(set(shown) - set(expected))
        failures.append(
            f"matrix rows: {len(shown)} shown, {len(expected)} expected;"
            f" missing {[n[:40] for n in missing]}, unexpected {[n[:40] for n in extra]}")
    without_red = [name[:40] for name, red in dom.rows if red != 1]
    if without_red:
        failures.append(f"rows without exactly one red day: {without_red}")
    # Every named user has a home-and-abroad day; the unknown user ("") is never a finding's.
    if dom.findings < len(expected) - 1:
        failures.append(f"findings table has {dom.findings} rows, expected >= {len(expected) - 1}")
    print(f"matrix rows {len(shown)} (expected {len(expected)}), findings rows {dom.findings}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
