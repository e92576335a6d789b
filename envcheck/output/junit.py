"""JUnit XML: one test suite per host (and one for the fleet), one test case per check, and a
suite `envcheck` whose one case is the verdict (envcheck.verdict): a CI system shows why a
run is not Ready even when no single check failed (interrupted, unreachable, partial)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from envcheck.audit.engine import AuditReport
from envcheck.i18n import colon, t
from envcheck.model import Status
from envcheck.output.values import human, status_word
from envcheck.ssh.reasons import in_lang
from envcheck.verdict import of_report
from envcheck.waivers import note


def render(report: AuditReport, lang: str) -> str:
    root = ET.Element("testsuites", name="envcheck")
    suites: dict[str, ET.Element] = {}
    _verdict_suite(root, report, lang)
    for h in report.hosts:
        suite = ET.SubElement(root, "testsuite", name=h.status.name)
        suites[h.status.name] = suite
        if not h.status.reachable:
            case = ET.SubElement(suite, "testcase", classname=h.status.name, name="ssh.reachable")
            ET.SubElement(case, "error", message=in_lang(h.status.error or "", lang)
                          or t("report.host_unreachable", lang))
    for r in report.results:
        name = r.host or "fleet"
        if name not in suites:
            suites[name] = ET.SubElement(root, "testsuite", name=name)
        suite = suites[name]
        case = ET.SubElement(suite, "testcase", classname=name, name=r.check)
        waiver = note(r.waiver, lang)
        sep = colon(lang)
        text = (f"{waiver}\n" if waiver else "") + (
            f"{r.message.get(lang)}\n{t('expected', lang)}{sep}{human(r.expected, lang)}\n"
            f"{t('found', lang)}{sep}{human(r.found, lang)}\n{r.fix.get(lang)}")
        if r.status == Status.FAIL:
            ET.SubElement(case, "failure", message=waiver or r.message.get(lang)).text = text
        elif r.status == Status.ERROR:
            ET.SubElement(case, "error", message=waiver or r.message.get(lang)).text = text
        elif r.status == Status.WAIVED:  # accepted: not a failure, and said so
            ET.SubElement(case, "skipped", message=waiver).text = text
        elif r.status == Status.SKIP:
            ET.SubElement(case, "skipped", message=r.message.get(lang))
        elif r.status == Status.WARN:
            ET.SubElement(case, "system-out").text = f"{status_word(r.status, lang)}{colon(lang)}{text}"
    for suite in (*suites.values(),):
        _count(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _verdict_suite(root: ET.Element, report: AuditReport, lang: str) -> None:
    verdict = of_report(report)
    suite = ET.SubElement(root, "testsuite", name="envcheck")
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="verdict", value=verdict.text(lang))
    for i, line in enumerate(verdict.coverage.lines(lang) if verdict.coverage else ()):
        ET.SubElement(props, "property", name=f"coverage.{i + 1}", value=line)
    case = ET.SubElement(suite, "testcase", classname="envcheck", name="verdict")
    if not verdict.ready:
        ET.SubElement(case, "failure", message=verdict.text(lang)).text = "\n".join(
            r.say(lang) for r in verdict.reasons)
    _count(suite)


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
