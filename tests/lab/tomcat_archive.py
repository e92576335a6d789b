"""A "local archive" of Tomcat for the offline-install test, built from what the lab can get.

The lab has no internet, so no Apache download: the Debian tomcat10 packages are fetched with
the controller's own apt (`apt-get download`) and repacked in the layout of an Apache Tomcat
binary distribution (apache-tomcat-X/{bin,lib,conf,webapps}). The packages' relative jar
links are resolved, so the tarball stands alone like the real thing. Kept in the lab cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PACKAGES = ("tomcat10", "tomcat10-common", "libtomcat10-java", "libeclipse-jdt-core-java")
ROOT_PAGE = "<!doctype html><meta charset=\"utf-8\"><title>Tomcat</title><p>Tomcat 从本地归档安装</p>\n"


def _download(folder: Path) -> None:
    cmd = ["apt-get", "download", "-q", *PACKAGES]
    if subprocess.run(cmd, cwd=folder, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True)
        subprocess.run(cmd, cwd=folder, check=True, capture_output=True)


def build_tomcat_archive(cache_dir: Path) -> Path:
    """apache-tomcat-<version>.tar.gz in cache_dir (built once, reused)."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    existing = sorted(cache_dir.glob("apache-tomcat-*.tar.gz"))
    if existing:
        return existing[-1]
    with tempfile.TemporaryDirectory(prefix="envcheck-tomcat-") as tmp:
        work = Path(tmp)
        debs, root = work / "debs", work / "root"
        debs.mkdir()
        _download(debs)
        for deb in debs.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        version = next(debs.glob("libtomcat10-java_*.deb")).name.split("_")[1].split("-")[0]
        top = work / f"apache-tomcat-{version}"
        share = root / "usr/share/tomcat10"
        shutil.copytree(share / "bin", top / "bin")  # follows the links into usr/share/java
        shutil.copytree(share / "lib", top / "lib")
        shutil.copy(root / "usr/share/java/eclipse-jdt-core.jar", top / "lib" / "eclipse-jdt-core.jar")  # JSP compiler
        shutil.copytree(share / "etc", top / "conf")
        for name in ("logs", "temp", "work"):
            (top / name).mkdir()
        (top / "webapps" / "ROOT").mkdir(parents=True)
        (top / "webapps" / "ROOT" / "index.html").write_text(ROOT_PAGE, encoding="utf-8")
        for conf in (top / "conf").iterdir():
            conf.chmod(0o600)  # as in Apache's tarball: the installer must fix the modes
        target = cache_dir / f"{top.name}.tar.gz"
        partial = target.with_name(f"{target.name}.{os.getpid()}.part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(top, arcname=top.name)
        partial.rename(target)
    return target
