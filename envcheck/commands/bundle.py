"""`envcheck bundle`: the offline bundle for air-gapped sites (docs/offline.md)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from envcheck.bundle import build as builder
from envcheck.commands.options import lang_option
from envcheck.errors import BadInput
from envcheck.exitcodes import decide
from envcheck.i18n import t


@click.group()
def bundle() -> None:
    """One archive for sites with no registry: wheels, playbooks, OS packages.

    \b
    离线包:无法访问软件源的现场,一个文件装好 envcheck 并部署标准环境。
    """


@bundle.command("build")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="dist/envcheck-bundle.tar",
              show_default=True, help="The archive to write / 输出文件")
@click.option("--root", type=click.Path(exists=True, file_okay=False),
              help="Debian 12 root apt resolves against (default: none installed) / 解析依赖所依据的根目录")
@click.option("--source", type=click.Path(exists=True, file_okay=False),
              help="envcheck checkout to build the wheel from / envcheck 源码目录")
@click.option("--packages", multiple=True, metavar="NAME",
              help="Extra OS packages for every host (repeatable) / 额外的系统软件包")
@click.option("--cache", type=click.Path(file_okay=False), help="Download cache kept between builds")
@lang_option
def build(**kw: Any) -> None:
    """Build the bundle (apt and pip on this controller; they need the mirrors once).

    \b
    构建离线包(在控制机上用 apt 和 pip 下载,之后的构建复用缓存)。
    """
    started = time.monotonic()
    names = tuple(n for item in kw["packages"] for n in item.replace(",", " ").split())
    request = builder.BuildRequest(
        output=Path(kw["output"]), source=Path(kw["source"]) if kw["source"] else builder.default_source(),
        root=Path(kw["root"]) if kw["root"] else None,
        cache=Path(kw["cache"]) if kw["cache"] else builder.default_cache(), packages=names,
    )
    manifest = builder.build(request, lambda step: click.echo(f"… {time.monotonic() - started:5.1f} s {step}",
                                                              err=True))
    debs = sum(len(p) for p in manifest["os"].values())
    size = Path(kw["output"]).stat().st_size
    click.echo(t("bundle.built", kw["lang"], path=kw["output"], mb=f"{size / 1e6:.0f}", debs=debs,
                 wheels=len(manifest["wheels"]), python=manifest["python"],
                 seconds=f"{time.monotonic() - started:.0f}"))


@bundle.command("verify")
@click.argument("path", type=click.Path(exists=True))
@lang_option
def verify(path: str, lang: str) -> None:
    """Check every file of a bundle against its manifest (sha256, size).

    \b
    按清单校验离线包中每个文件的 sha256 和大小。
    """
    from envcheck.bundle.verify import problems  # noqa: PLC0415 (only here)

    found = problems(Path(path))
    for line in found:
        click.echo(line)
    click.echo(t("bundle.verified" if not found else "bundle.damaged", lang, path=path, count=len(found)))
    sys.exit(decide(failed=bool(found)))


@bundle.command("restore")
@click.option("-i", "--inventory", "inventories", multiple=True, required=True, type=click.Path(),
              help="Ansible inventory; repeatable / 清单")
@click.option("-l", "--limit", help="Ansible host pattern / 主机范围")
@click.option("-f", "--forks", type=click.IntRange(1, 500), default=20, show_default=True,
              help="Hosts worked on at once / 并发主机数")
@lang_option
def restore(inventories: tuple[str, ...], limit: str | None, forks: int, lang: str) -> None:
    """Give hosts their own apt sources back after an interrupted offline deploy.

    \b
    离线部署中断后,恢复主机原有的 apt 软件源。
    """
    from envcheck.deploy.offline import restore as undo  # noqa: PLC0415 (the SSH layer)
    from envcheck.inventory.record import load  # noqa: PLC0415

    inventory = load(inventories, limit, None, None)
    if not inventory.hosts:
        raise BadInput.of("error.inventory_empty")
    failed = False
    for host, error in undo(inventory.hosts, forks):
        failed = failed or error is not None
        click.echo(f"{host}: " + (error or t("bundle.restored", lang)))
    sys.exit(decide(failed=failed))
