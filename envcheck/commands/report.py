"""`envcheck report`: the document handed to the customer before go-live."""

from __future__ import annotations

from pathlib import Path

import click

from envcheck.commands.options import lang_option
from envcheck.i18n import t
from envcheck.paths import runs_dir as default_runs
from envcheck.report.build import build, render
from envcheck.runs.load import find_runs


@click.command()
@click.argument("run_dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE (default: standard output) / 输出文件")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True,
              help="html: one self-contained file; markdown: for a ticket / 输出格式")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the runs are kept (default ./runs)")
@lang_option
def report(run_dirs: tuple[Path, ...], output: Path | None, fmt: str, runs_dir: Path | None,
           lang: str) -> None:
    """Build the pre-go-live report from the latest check, verify and deploy runs (or RUN_DIRs).

    \b
    根据最近的检查、验证和部署记录生成上线前验收报告(HTML 单文件或 Markdown)。
    Example:
      envcheck report -o report.html --lang zh
      envcheck report runs/20261127-101500.123456-check runs/20261127-102000.654321-verify --format markdown
    """
    runs = find_runs(run_dirs, runs_dir or default_runs())
    text = render(build(runs, lang), fmt)
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"{t('report.written', lang)}: {output}", err=True)
