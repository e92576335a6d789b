"""JUnit XML: one test suite per host (and one for the fleet), one test case per check."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from envcheck.audit.engine import AuditReport
from envcheck.model import Status


def render(report: AuditReport, lang: str) -> str:
    root = ET.Element("testsuites", name="envcheck")
    suites: dict[str, ET.Element] = {}
    for h in report.hosts:
        suite = ET.SubElement(root, "testsuite", name=h.status.name)
        suites[h.status.name] = suite
        if not h.status.reachable:
            case = ET.SubElement(suite, "testcase", classname=h.status.name, name="ssh.reachable")
            ET.SubElement(case, "error", message=h.status.error or "unreachable")
    for r in report.results:
        name = r.host or "fleet"
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=name)
        suite = suites[name]
        case = ET.SubElement(suite, "testcase", classname=name, name=r.check)
        text = f"{r.message.get(lang)}\nexpected: {r.expected}\nfound: {r.found}\n{r.fix.get(lang)}"
        if r.status == Status.FAIL:
            ET.SubElement(case, "failure", message=r.message.get(lang)).text = text
        elif r.status == Status.ERROR:
            ET.SubElement(case, "error", message=r.message.get(lang)).text = text
        elif r.status == Status.SKIP:
            ET.SubElement(case, "skipped", message=r.message.get(lang))
        elif r.status == Status.WARN:
            ET.SubElement(case, "system-out").text = "WARN: " + text
    for suite in suites.values():
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
