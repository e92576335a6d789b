"""What one host gets from one partner endpoint, in words (pure): the checks of
envcheck.checks.endpoint and the fleet matrix's cells."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from envcheck.model import Text

# openssl's verify codes that say what is wrong with a certificate.
VERIFY_REASONS = {"10": Text("certificate expired", "证书已过期"),
                  "18": Text("self-signed certificate", "自签名证书"),
                  "19": Text("self-signed CA not trusted", "不受信任的自签名 CA"),
                  "20": Text("issuer not trusted (CA not in the bundle)", "签发者不受信任(CA 不在信任库中)"),
                  "21": Text("chain incomplete (intermediate missing)", "证书链不完整(缺少中间证书)"),
                  "62": Text("certificate is for another host name", "证书不是签发给该主机名的")}


def reach_problem(e: Any, got: Mapping[str, Any]) -> str | None:
    if not got.get("dns"):
        return f"{e.host} does not resolve"
    if got.get("tcp") not in (None, 0):
        if got["tcp"] == 124:
            return f"TCP {e.host}:{e.port} timed out"
        why = got.get("tcp_error") or ""
        return f"TCP {e.host}:{e.port} refused" + (f" ({why})" if why and why != "Connection refused" else "")
    if e.scheme != "tcp" and got.get("http") == 0:
        return got.get("curl_error") or "no HTTP answer"
    return None


def tls_problems(e: Any, got: Mapping[str, Any]) -> list[str]:
    out = []
    if got.get("verify") not in (None, "0"):
        reason = VERIFY_REASONS.get(got["verify"])
        out.append(f"{e.name}: {reason.en if reason else got.get('verify_text')} (verify {got['verify']})")
    days = got.get("days_left")
    if days is not None and days < e.min_cert_days:
        out.append(f"{e.name}: certificate expires in {days} days (< {e.min_cert_days})")
    return out


def cell(e: Any, got: Mapping[str, Any] | None) -> str:
    """One host's view of one endpoint, as the matrix shows it: ok, or what is wrong."""
    if got is None:
        return "-"
    problem = reach_problem(e, got) or "; ".join(p.partition(": ")[2] for p in tls_problems(e, got))
    if not problem and e.scheme != "tcp" and got.get("http"):
        ok = got["http"] == e.expect_status if e.expect_status else got["http"] < 500
        problem = "" if ok else f"HTTP {got['http']}"
    return problem or "ok"
