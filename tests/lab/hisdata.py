"""A HIS-like dataset (patients with Chinese names and addresses, drugs, fee lines with money
and timestamps), its migration from one database to another by plain INSERTs (the way a
migration script does it), and the faults a bad migration leaves, each on keys of its own.

Used by the data tests (tests/integration/test_data_lab.py) and the data bench (bench/data.py).
Deterministic: the same seed gives the same rows."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from envcheck.data.textcheck import double_encode, gbk_as_latin1
from tests.lab.dbservers import Server

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华"
RARE = "𪚥𠀾𡒄𣲙𤭢"  # characters beyond U+FFFF: lost in a 3-byte utf8 column
DISTRICTS = ["北京市海淀区中关村大街", "上海市浦东新区张江路", "广州市天河区体育西路", "成都市武侯区人民南路",
             "杭州市西湖区文三路"]
DRUGS = ["阿莫西林胶囊", "布洛芬缓释胶囊", "头孢克肟片", "复方甘草片", "板蓝根颗粒", "维生素C片", "葡萄糖注射液"]
DEPTS = ["内科", "外科", "儿科", "妇产科", "急诊科", "中医科"]

# The faults, each on its own keys: (table, key) -> the checklist item that must fail.
FAULT_KEYS = {
    "dropped": ("fee", [101, 202]),
    "extra": ("fee", [9_000_001, 9_000_002]),
    "changed": ("fee", [303]),
    "double_encoded": ("patient", [11]),
    "gbk_mojibake": ("patient", [12]),
    "truncated_4byte": ("patient", [50]),
    "shifted": ("fee", [404]),
    "rounded": ("fee", [505]),
    "duplicate": ("fee", [606]),
    "null_to_empty": ("patient", [7]),
}


def ddl(engine: str, with_fee_key: bool = True) -> list[str]:
    ts = "DATETIME" if engine == "mysql" else "TIMESTAMP"
    fee_key = "PRIMARY KEY" if with_fee_key else ""
    tail = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" if engine == "mysql" else ""
    return [
        "CREATE TABLE patient (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, gender CHAR(1), birth_date DATE, "
        f"id_card VARCHAR(18), address VARCHAR(200), phone VARCHAR(20), card_no VARCHAR(20), created_at {ts}){tail}",
        "CREATE TABLE drug (id INT PRIMARY KEY, code VARCHAR(20), name VARCHAR(100), spec VARCHAR(50), "
        f"unit_price DECIMAL(10,2)){tail}",
        f"CREATE TABLE fee (id BIGINT {fee_key}, patient_id INT, drug_id INT, qty INT, unit_price DECIMAL(10,2), "
        f"amount DECIMAL(12,2), charged_at {ts}, dept VARCHAR(30), operator VARCHAR(30), note VARCHAR(100)){tail}",
        *([] if with_fee_key else ["CREATE INDEX fee_id ON fee (id)"]),
    ]


def patients(n: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        if i % 50 == 0:
            name = name[0] + RARE[i // 50 % len(RARE)] + name[1:]
        birth = datetime(1940, 1, 1) + timedelta(days=rng.randint(0, 30000))
        yield (i, name, rng.choice("男女"), birth.date(), f"11010{rng.randint(10**12, 10**13 - 1)}",
               f"{rng.choice(DISTRICTS)}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋",
               None if i % 7 == 0 else f"13{rng.randint(10**8, 10**9 - 1)}", f"HIS{i:08d}",
               datetime(2020, 1, 1) + timedelta(seconds=rng.randint(0, 10**8)))


def drugs(n: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        yield (i, f"YP{i:05d}", f"{rng.choice(DRUGS)}{i}", f"{rng.choice([10, 20, 50])}mg*{rng.randint(6, 48)}粒",
               Decimal(rng.randint(100, 99999)) / 100)


def fees(n: int, n_patients: int, n_drugs: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    start = datetime(2026, 1, 1)
    for i in range(1, n + 1):
        qty = rng.randint(1, 10)
        price = Decimal(rng.randint(10, 9999) * 10 + rng.choice([1, 3, 7, 9])) / 100  # cents never 0
        yield (i, rng.randint(1, n_patients), rng.randint(1, n_drugs), qty, price, price * qty,
               start + timedelta(seconds=rng.randint(0, 3 * 10**7)), rng.choice(DEPTS), f"收费员{rng.randint(1, 40)}",
               None if i % 11 == 0 else rng.choice(["", "医保", "自费", "复诊"]))


INSERTS = {
    "patient": 9, "drug": 5, "fee": 10,
}


def _insert(conn: Any, table: str, rows: Iterator[tuple[Any, ...]], batch: int = 2000) -> None:
    marks = ", ".join(["%s"] * INSERTS[table])
    with conn.cursor() as cur:
        buf: list[tuple[Any, ...]] = []
        for row in rows:
            buf.append(row)
            if len(buf) >= batch:
                cur.executemany(f"INSERT INTO {table} VALUES ({marks})", buf)
                buf.clear()
        if buf:
            cur.executemany(f"INSERT INTO {table} VALUES ({marks})", buf)


def create(server: Server, database: str, with_fee_key: bool = True) -> None:
    server.create_database(database)
    with server.admin(database) as conn, conn.cursor() as cur:
        if server.engine == "postgresql":
            cur.execute("SET ROLE his")  # his owns the tables: read-only is envcheck's doing, not a grant's
        for stmt in ddl(server.engine, with_fee_key):
            cur.execute(stmt)


def generate(server: Server, database: str, n_fees: int, seed: int = 19) -> None:
    """The source: a fresh database with n_fees fee lines (patients and drugs to match)."""
    rng = random.Random(seed)
    n_patients, n_drugs = max(100, n_fees // 10), 200
    create(server, database)
    with server.admin(database) as conn:
        _insert(conn, "patient", patients(n_patients, rng))
        _insert(conn, "drug", drugs(n_drugs, rng))
        _insert(conn, "fee", fees(n_fees, n_patients, n_drugs, rng))
        dirty_source(conn)


# Dirt a source carries before any migration (what `data profile` finds): patient id -> values.
DIRT = {
    13: {"card_no": "HIS０００１３"},  # full-width digits in a code
    14: {"address": "北京市\x07海淀区"},  # a control character
    15: {"name": " 赵敏 "},  # blanks
    16: {"address": "??????1号"},  # Chinese already lost to ?
    17: {"address": "上海市\ufffd路"},  # a replacement character
}


def dirty_source(conn: Any) -> None:
    with conn.cursor() as cur:
        for pid, values in DIRT.items():
            for column, value in values.items():
                cur.execute(f"UPDATE patient SET {column} = %s WHERE id = %s", (value, pid))


def migrate(source: Server, src_db: str, target: Server, tgt_db: str) -> None:
    """A plain migration script: SELECT from the source, INSERT into a fresh target whose fee
    table has no primary key (staging tables often have none: duplicates get in)."""
    create(target, tgt_db, with_fee_key=False)
    with source.admin(src_db) as s, target.admin(tgt_db) as t:
        for table in INSERTS:
            with s.cursor() as cur:
                cur.execute(f"SELECT * FROM {table} ORDER BY id")
                _insert(t, table, iter(cur.fetchall()))


def inject_faults(target: Server, tgt_db: str) -> None:
    """Every fault class of FAULT_KEYS, on its keys, written into the migrated target."""
    ts_plus_8h = ("DATE_ADD(charged_at, INTERVAL 8 HOUR)" if target.engine == "mysql"
                  else "charged_at + interval '8 hours'")
    with target.admin(tgt_db) as conn, conn.cursor() as cur:
        def name(pid: int) -> str:
            cur.execute("SELECT name FROM patient WHERE id = %s", (pid,))
            return str(cur.fetchone()[0])

        cur.execute("DELETE FROM fee WHERE id IN (%s, %s)", tuple(FAULT_KEYS["dropped"][1]))
        for fid in FAULT_KEYS["extra"][1]:
            cur.execute("INSERT INTO fee SELECT %s, patient_id, drug_id, qty, unit_price, amount, charged_at, dept, "
                        "operator, note FROM fee WHERE id = 1", (fid,))
        cur.execute("UPDATE fee SET qty = qty + 1 WHERE id = %s", (FAULT_KEYS["changed"][1][0],))
        pid = FAULT_KEYS["double_encoded"][1][0]
        cur.execute("UPDATE patient SET name = %s WHERE id = %s", (double_encode(name(pid)), pid))
        pid = FAULT_KEYS["gbk_mojibake"][1][0]
        cur.execute("UPDATE patient SET name = %s WHERE id = %s", (gbk_as_latin1(name(pid)), pid))
        pid = FAULT_KEYS["truncated_4byte"][1][0]
        full = name(pid)
        cut = next(i for i, c in enumerate(full) if ord(c) > 0xFFFF)
        cur.execute("UPDATE patient SET name = %s WHERE id = %s", (full[:cut], pid))
        cur.execute(f"UPDATE fee SET charged_at = {ts_plus_8h} WHERE id = %s", (FAULT_KEYS["shifted"][1][0],))
        cur.execute("UPDATE fee SET amount = ROUND(amount, 0) WHERE id = %s", (FAULT_KEYS["rounded"][1][0],))
        cur.execute("INSERT INTO fee SELECT * FROM fee WHERE id = %s", (FAULT_KEYS["duplicate"][1][0],))
        cur.execute("UPDATE patient SET phone = '' WHERE id = %s AND phone IS NULL",
                    (FAULT_KEYS["null_to_empty"][1][0],))
