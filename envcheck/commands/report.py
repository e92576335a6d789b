"""`envcheck report`: the document handed to the customer before go-live."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from envcheck.commands.options import lang_option
from envcheck.data.report import latest_section
from envcheck.errors import BadInput
from envcheck.exitcodes import of_verdict
from envcheck.i18n import colon, t
from envcheck.output.files import writable_file
from envcheck.paths import runs_dir as default_runs
from envcheck.report.build import build, render
from envcheck.runs.load import find_runs
from envcheck.waivers import load_file


@click.command()
@click.argument("run_dirs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE (default: standard output); the verdict is still printed / 输出文件")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True,
              help="html: one self-contained file; markdown: for a ticket / 输出格式")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the runs are kept (default ./runs)")
@click.option("-i", "--inventory", "inventories", multiple=True, metavar="INVENTORY",
              help="Report on the runs made with this inventory (default: the newest check run's) "
                   "/ 只用该清单的运行记录")
@click.option("--site", help="Report on the runs of the site whose inventory sets envcheck_site to SITE "
                             "/ 按现场名称选择")
@click.option("--waivers", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file of accepted deviations, added to those the check run applied / 豁免清单")
@click.option("--customer", help="Customer name (default: the inventory's envcheck_customer) / 客户")
@click.option("--project", help="Project (default: envcheck_project) / 项目")
@click.option("--environment", help="Environment, e.g. UAT or PROD (default: envcheck_environment) / 环境")
@click.option("--engineer", help="Implementation engineer (default: envcheck_engineer) / 实施工程师")
@click.option("--diff", "diff_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Include a diff section written by `envcheck diff A B --format html|markdown -o FILE` "
                   "(the report's format) / 附上 envcheck diff 生成的差异章节")
@lang_option
def report(run_dirs: tuple[Path, ...], output: Path | None, fmt: str, runs_dir: Path | None,
           inventories: tuple[str, ...], site: str | None, waivers: Path | None, customer: str | None,
           project: str | None, environment: str | None, engineer: str | None, lang: str,
           diff_file: Path | None = None) -> None:
    """Build the pre-go-live report from the runs of ONE inventory: its latest check and verify
    runs and its deployments (or from the RUN_DIRs named, which win).

    \b
    The verdict says Ready only when the check run is complete, every host answered, every
    check ran and nothing failed beyond the waivers in force; exit 0 then, else 1 (3 when a
    host was unreachable), so CI can gate on it.
    根据同一清单最近的检查、验证和部署记录生成上线前验收报告(HTML 单文件或 Markdown);
    结论不为“通过”时退出码非 0。
    Example:
      envcheck report -o report.html --lang zh
      envcheck report -i inventories/site/hosts.yml --waivers waivers.yml -o report.html
      envcheck report runs/20261127-101500.123456-check runs/20261127-102000.654321-verify --format markdown
      envcheck diff -i uat.yml -i prod.yml uat prod --format html -o diff.html && envcheck report --diff diff.html
    """
    if output is not None:
        writable_file(output, "-o")  # before anything is read
    diff_section = _diff_section(diff_file, fmt) if diff_file else ""
    extra = load_file(waivers) if waivers else ()
    runs = find_runs(run_dirs, runs_dir or default_runs(), inventories, site)
    meta = {"customer": customer, "project": project, "environment": environment, "engineer": engineer}
    built = build(runs, lang, extra, {k: v for k, v in meta.items() if v})
    data = latest_section(runs_dir or default_runs(), lang, fmt)  # the latest `envcheck data compare`
    text = render(built, fmt, data + diff_section)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{t('report.written', lang)}{colon(lang)}{output}", err=True)
    click.echo(f"{t('report.verdict', lang)}{colon(lang)}{built.verdict.text(lang)}", err=True)
    for line in built.coverage:
        click.echo(f"  {line}", err=True)
    sys.exit(of_verdict(built.verdict))


# How each format of `envcheck diff` output begins (envcheck/diff/render.py): only such a file is
# taken into a report, so a stray page or the wrong format is refused, naming the file.
_DIFF_STARTS = {"html": ('<section id="diff"',),
                "markdown": tuple(f"## {t('diff.title', lang)}" for lang in ("en", "zh"))}


def _diff_section(path: Path, fmt: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BadInput.of("error.file_missing", path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput.of("error.in_file", path=path, error=exc) from exc
    if not text.lstrip().startswith(_DIFF_STARTS[fmt]):
        raise BadInput.of("error.report_diff", path=path, fmt=fmt)
    return text
