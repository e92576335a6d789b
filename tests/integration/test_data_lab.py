"""Issue 19's "Done when" on databases of the test's own (MariaDB and PostgreSQL from
Debian's packages, on loopback ports: tests/lab/dbservers.py): a HIS-like dataset of 20,000
fee lines migrated by a script, once cleanly (every checklist item passes) and once with every
fault class injected (each fails its item and lists the keys), MySQL->MySQL, PostgreSQL->
PostgreSQL and MySQL->PostgreSQL; `data profile` finds the source's dirt; nothing is written
to either database; Ctrl+C keeps what was compared."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from envcheck.cli import cli
from envcheck.data.compare import Options, compare
from envcheck.data.db import open_db
from envcheck.data.mapping import load_mapping
from envcheck.data.textcheck import double_encode
from tests.lab import hisdata
from tests.lab.dbservers import PASSWORD, Server, servers

pytestmark = [pytest.mark.lab, pytest.mark.slow]
FEES = 20_000
ENV = {"ENVCHECK_DB_PASSWORD": PASSWORD}
DIRECTIONS = ["mysql-mysql", "postgresql-postgresql", "mysql-postgresql"]
# Fault class -> the checklist item that must fail, listing exactly the fault's keys.
ITEM_OF_FAULT = {"dropped": "no_missing_rows", "extra": "no_extra_rows", "changed": "no_changed_values",
                 "double_encoded": "no_double_encoding", "gbk_mojibake": "no_gbk_mojibake",
                 "truncated_4byte": "no_truncation", "shifted": "no_time_shift", "rounded": "no_rounding",
                 "duplicate": "no_duplicate_keys", "null_to_empty": "nulls_preserved"}
# Items that fail on figures (not keys) because of those faults; the random sample fails when
# it happens to draw a faulty row (so it is left out of the comparison below).
FIGURE_ITEMS = {"row_counts", "checksums", "money_sums", "null_counts"}


@pytest.fixture(scope="module")
def dbs() -> Iterator[dict[str, Server]]:
    with servers() as (my, pg):
        hisdata.generate(my, "src", FEES)
        hisdata.generate(pg, "src", FEES)
        yield {"mysql": my, "postgresql": pg}


@pytest.fixture(scope="module")
def mapping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("map") / "mapping.yml"
    path.write_text(yaml.safe_dump({
        "source_tz": "+08:00",
        "tables": {"patient": {"cjk": ["name", "address"]}, "drug": None,
                   "fee": {"money": ["amount", "unit_price"],
                           "foreign_keys": {"patient_id": "patient.id", "drug_id": "drug.id"}}}}))
    return path


def envcheck(*args: str) -> tuple[int, str]:
    result = CliRunner(env=ENV).invoke(cli, list(args))
    return result.exit_code, result.output


def run_compare(src: Server, tgt: Server, target_db: str, mapping: Path, runs: Path) -> tuple[int, str, dict[str, Any]]:
    code, out = envcheck("data", "compare", src.url("src"), tgt.url(target_db), "--map", str(mapping),
                         "--chunk-rows", "2000", "--sample", "100", "--seed", "7", "--runs-dir", str(runs))
    run = max(runs.glob("*-data"))
    items = json.loads((run / "checklist.json").read_text())["items"]
    return code, out, {i["id"]: i for i in items}


def _direction(dbs: dict[str, Server], direction: str) -> tuple[Server, Server]:
    a, b = direction.split("-")
    return dbs[a], dbs[b]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_clean_migration_passes_every_item(dbs: dict[str, Server], mapping: Path, tmp_path: Path,
                                           direction: str) -> None:
    src, tgt = _direction(dbs, direction)
    hisdata.migrate(src, "src", tgt, "clean")
    code, out, items = run_compare(src, tgt, "clean", mapping, tmp_path)
    assert len(items) >= 20
    assert [i for i in items.values() if i["status"] != "pass"] == [], out
    assert code == 0, out
    run = max(tmp_path.glob("*-data"))
    record = json.loads((run / "run.json").read_text())
    assert record["kind"] == "data" and record["complete"] and record["exit_code"] == 0
    assert {p.name for p in run.iterdir()} == {"run.json", "compare.json", "checklist.json"}
    assert not any(PASSWORD.encode() in p.read_bytes() for p in run.iterdir())


def test_a_wrong_password_or_a_password_in_the_url_is_bad_input(dbs: dict[str, Server], tmp_path: Path) -> None:
    my = dbs["mysql"]
    result = CliRunner(env={"ENVCHECK_DB_PASSWORD": "wrong"}).invoke(
        cli, ["data", "profile", my.url("src"), "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2 and "Access denied" in result.output, result.output
    url = my.url("src").replace("his@", f"his:{PASSWORD}@")
    result = CliRunner().invoke(cli, ["data", "profile", url, "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2 and "password in the database URL" in result.output
    assert PASSWORD not in result.output and not list(tmp_path.iterdir())


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_each_fault_fails_its_item_with_its_keys(dbs: dict[str, Server], mapping: Path, tmp_path: Path,
                                                 direction: str) -> None:
    src, tgt = _direction(dbs, direction)
    hisdata.migrate(src, "src", tgt, "faulty")
    hisdata.inject_faults(tgt, "faulty")
    code, out, items = run_compare(src, tgt, "faulty", mapping, tmp_path)
    assert code == 1, out
    for fault, item_id in ITEM_OF_FAULT.items():
        table, keys = hisdata.FAULT_KEYS[fault]
        item = items[item_id]
        listed = {tuple(k) if isinstance(k, list) else (k,) for g in item["keys"] if g["table"] == table
                  for k in g["keys"]}
        assert item["status"] == "fail" and listed == {(k,) for k in keys}, (fault, item)
    failing = {i for i, v in items.items() if v["status"] != "pass"} - {"sample_matches"}
    assert failing == set(ITEM_OF_FAULT.values()) | FIGURE_ITEMS, failing
    # The classification keeps the values: the double-encoded name is the source's name garbled.
    compare_doc = json.loads((max(tmp_path.glob("*-data")) / "compare.json").read_text())
    patient = next(t for t in compare_doc["tables"] if t["source"] == "patient")
    row = next(r for r in patient["diff"]["changed"] if r["key"] == [11])
    cls, before, after, _ = row["columns"]["name"]
    assert cls == "double_encoded" and after == double_encode(before) and "æ" in after
    fee = next(t for t in compare_doc["tables"] if t["source"] == "fee")
    shifted = next(r for r in fee["diff"]["changed"] if r["key"] == [404])
    assert shifted["columns"]["charged_at"][3] == "+8h"
    assert "FAIL" in out and "606" in out


def test_profile_finds_the_source_dirt_and_the_target_faults(dbs: dict[str, Server], tmp_path: Path) -> None:
    my = dbs["mysql"]
    code, out = envcheck("data", "profile", my.url("src"), "--runs-dir", str(tmp_path / "a"))
    assert code == 0, out
    doc = json.loads((max((tmp_path / "a").glob("*-data")) / "profile.json").read_text())
    patient = next(t for t in doc["tables"] if t["table"] == "patient")
    issues = {(col, cls): v["keys"] for col, c in patient["columns"].items() for cls, v in c.get("issues", {}).items()}
    assert issues[("card_no", "fullwidth")] == [13] and issues[("address", "control_chars")] == [14]
    assert issues[("name", "blanks")] == [15] and issues[("address", "question_runs")] == [16]
    assert issues[("address", "replacement_char")] == [17]
    assert not any(cls in ("double_encoded", "gbk_mojibake") for _, cls in issues)
    assert patient["columns"]["phone"]["nulls"] == sum(1 for i in range(1, patient["rows"] + 1) if i % 7 == 0)

    hisdata.migrate(my, "src", my, "dirty")
    hisdata.inject_faults(my, "dirty")
    code, out = envcheck("data", "profile", my.url("dirty"), "--key", "fee=id", "--runs-dir", str(tmp_path / "b"))
    doc = json.loads((max((tmp_path / "b").glob("*-data")) / "profile.json").read_text())
    tables = {t["table"]: t for t in doc["tables"]}
    name = tables["patient"]["columns"]["name"]["issues"]
    assert name["double_encoded"]["keys"] == [11] and name["gbk_mojibake"]["keys"] == [12]
    assert tables["fee"]["duplicates"] == {"count": 1, "keys": [606]}


def _mysql_state(server: Server) -> tuple[Any, ...]:
    with server.admin("src") as conn, conn.cursor() as cur:
        cur.execute("CHECKSUM TABLE patient, drug, fee")
        return tuple(cur.fetchall())


def _pg_state(server: Server) -> tuple[Any, ...]:
    with server.admin("src") as conn:
        sums = conn.execute("SELECT md5(string_agg(p::text, ',' ORDER BY p.id)) FROM patient p "
                            "UNION ALL SELECT md5(string_agg(f::text, ',' ORDER BY f.id)) FROM fee f").fetchall()
        stats = conn.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
                             "ORDER BY relname").fetchall()
        return tuple(sums), tuple(stats)


def _log(server: Server) -> Path:
    base = server.socket_dir.parent
    return base / ("general.log" if server.engine == "mysql" else "server.log")


def test_nothing_is_written_to_either_database(dbs: dict[str, Server], mapping: Path, tmp_path: Path) -> None:
    my, pg = dbs["mysql"], dbs["postgresql"]
    before = (_mysql_state(my), _pg_state(pg))
    my_mark, pg_mark = _log(my).stat().st_size, _log(pg).stat().st_size
    code, out = envcheck("data", "compare", my.url("src"), pg.url("src"), "--map", str(mapping),
                         "--source-tz", "+08:00", "--target-tz", "+08:00", "--runs-dir", str(tmp_path))
    assert code == 0, out  # the same generated data on both engines
    code, _ = envcheck("data", "profile", pg.url("src"), "--runs-dir", str(tmp_path))
    assert code == 0
    assert (_mysql_state(my), _pg_state(pg)) == before
    # MariaDB's general log: every statement of envcheck's sessions (user his) only reads.
    log = _log(my).read_bytes()[my_mark:].decode("utf-8", "replace")
    threads = set(re.findall(r"(\d+) Connect\s+his@", log))
    statements = [m.group(2) for m in re.finditer(r"^\S*\s*(\d+) Query\s+(.*)$", log, re.M) if m.group(1) in threads]
    assert statements and all(re.match(r"(SELECT|SET |START TRANSACTION|ROLLBACK)", s) for s in statements), \
        [s for s in statements if not re.match(r"(SELECT|SET |START TRANSACTION|ROLLBACK)", s)][:5]
    # PostgreSQL logs every data-modifying statement (log_statement=mod): none since the mark.
    assert "statement:" not in _log(pg).read_bytes()[pg_mark:].decode("utf-8", "replace")


@pytest.mark.parametrize("engine", ["mysql", "postgresql"])
def test_a_session_refuses_to_write(dbs: dict[str, Server], engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVCHECK_DB_PASSWORD", PASSWORD)
    db = open_db(dbs[engine].url("src"))
    try:
        with pytest.raises(Exception, match=r"(?i)read.only"):
            db.rows(hisdata_update())
    finally:
        db.close()


def hisdata_update() -> Any:
    from envcheck.data.dialect import Frag

    return Frag("UPDATE patient SET name = %s WHERE id = %s", ("x", 1))


def test_ctrl_c_keeps_what_was_compared(dbs: dict[str, Server], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVCHECK_DB_PASSWORD", PASSWORD)
    my = dbs["mysql"]
    src, tgt = open_db(my.url("src")), open_db(my.url("src"))
    calls = []

    def progress(table: str, done: int, total: int) -> None:
        calls.append((table, done))
        if table == "fee" and len([c for c in calls if c[0] == "fee"]) == 3:
            raise KeyboardInterrupt

    try:
        result = compare(src, tgt, load_mapping(None, ["patient", "drug", "fee"], None, None),
                         Options(chunk_rows=1000, sample=10, progress=progress))
    finally:
        src.close()
        tgt.close()
    assert not result["complete"]
    assert [t["source"] for t in result["tables"]] == ["drug", "fee"] or \
        [t["source"] for t in result["tables"]][-1] == "fee"
    fee = result["tables"][-1]
    assert fee["complete"] is False and fee["chunks"] == 3 and fee["stats"]["source"]["rows"] == 3000


def test_a_batch_window_and_a_delta_check_see_only_their_rows(dbs: dict[str, Server], tmp_path: Path) -> None:
    src, tgt = dbs["mysql"], dbs["postgresql"]
    hisdata.migrate(src, "src", tgt, "batch")
    hisdata.inject_faults(tgt, "batch")
    batch = tmp_path / "batch.yml"
    batch.write_text(yaml.safe_dump({"source_tz": "+08:00", "tables": {"fee": {"where": "id <= 250"}}}))
    code, out, items = run_compare(src, tgt, "batch", batch, tmp_path / "a")
    assert code == 1, out
    assert items["no_missing_rows"]["keys"] == [{"table": "fee", "keys": [[101], [202]], "count": 2}]
    failing = {i for i, v in items.items() if v["status"] != "pass"} - {"sample_matches"}  # may draw 101
    assert failing == {"no_missing_rows", "row_counts", "checksums", "money_sums", "null_counts"}
    fee_only = tmp_path / "fee.yml"
    fee_only.write_text(yaml.safe_dump({"source_tz": "+08:00", "tables": {"fee": None}}))
    code, out = envcheck("data", "compare", src.url("src"), tgt.url("batch"), "--map", str(fee_only),
                         "--since", "id", "500", "--runs-dir", str(tmp_path / "b"))
    doc = json.loads((max((tmp_path / "b").glob("*-data")) / "checklist.json").read_text())
    items = {i["id"]: i for i in doc["items"]}
    assert items["no_missing_rows"]["status"] == "pass" and items["no_changed_values"]["status"] == "pass"
    assert items["no_rounding"]["keys"][0]["keys"] == [[505]]
    assert items["no_duplicate_keys"]["keys"][0]["keys"] == [[606]]
    assert items["no_extra_rows"]["keys"][0]["keys"] == [[9_000_001], [9_000_002]]
