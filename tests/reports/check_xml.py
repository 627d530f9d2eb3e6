#!/usr/bin/env python3
"""Well-formedness checks for the report tests.

check_xml.py junit FILE   -- parses a JUnit file and checks its structure and counts
check_xml.py html FILE    -- parses report.html as XML (it is written as polyglot XHTML)
                             and every inline <svg> in it on its own
Exits 0 when fine, 1 with a message otherwise.
"""
import re
import sys
import xml.etree.ElementTree as ET


def fail(message):
    print("check_xml: " + message)
    sys.exit(1)


def check_junit(path):
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        fail("root element is <%s>, not <testsuites>" % root.tag)
    total = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root.findall("testsuite"):
        if not suite.get("name"):
            fail("a testsuite has no name")
        cases = suite.findall("testcase")
        failures = sum(1 for c in cases if c.find("failure") is not None)
        skipped = sum(1 for c in cases if c.find("skipped") is not None)
        for key, value in (("tests", len(cases)), ("failures", failures), ("skipped", skipped)):
            if int(suite.get(key, "-1")) != value:
                fail("testsuite %s: %s=%s but counted %d" % (suite.get("name"), key, suite.get(key), value))
            total[key] += value
        if suite.get("errors") != "0":
            fail("errors must be 0")
        for case in cases:
            if not case.get("name") or not case.get("classname"):
                fail("a testcase lacks name or classname")
            failure = case.find("failure")
            if failure is not None and not failure.get("message"):
                fail("a failure has no message")
            allowed = {"failure", "skipped", "system-out", "system-err", "error"}
            for child in case:
                if child.tag not in allowed:
                    fail("unexpected <%s> in a testcase" % child.tag)
    for key, value in total.items():
        if int(root.get(key, "-1")) != value:
            fail("testsuites: %s=%s but counted %d" % (key, root.get(key), value))
    print("junit ok: %d tests, %d failures, %d skipped" % (total["tests"], total["failures"], total["skipped"]))


def check_html(path):
    text = open(path, encoding="utf-8").read()
    ET.fromstring(re.sub(r"^<!DOCTYPE html>", "", text))
    svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
    for svg in svgs:
        root = ET.fromstring(svg)
        if root.tag != "{http://www.w3.org/2000/svg}svg":
            fail("an <svg> lacks the SVG namespace")
    print("html ok: %d svg" % len(svgs))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("junit", "html"):
        fail("usage: check_xml.py junit|html FILE")
    try:
        (check_junit if sys.argv[1] == "junit" else check_html)(sys.argv[2])
    except ET.ParseError as error:
        fail("%s is not well-formed: %s" % (sys.argv[2], error))


main()
