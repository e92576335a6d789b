"""The lab's slots (tests/lab/config.py): each checkout gets its own, with no setting, and
every lab of a checkout (main, site, scale, bench) lives in it apart from the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lab.config import AUTO_SLOTS, SLOT_ENV, SUBLABS, slot, sublab


@pytest.fixture(autouse=True)
def _no_slot_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SLOT_ENV, raising=False)
    for sub in SUBLABS.values():
        for key in ("LOOPBACK", "PREFIX", "SUBNET"):
            monkeypatch.delenv(f"{sub.env}_{key}", raising=False)


def test_checkouts_get_slots_of_their_own_and_keep_them(tmp_path: Path) -> None:
    registry = tmp_path / "slots"
    checkouts = [tmp_path / f"clone{i}" for i in range(40)]
    for c in checkouts:
        c.mkdir()
    first = [slot(c, registry) for c in checkouts]
    assert len(set(first)) == len(checkouts)  # never two in one slot, whatever their hashes
    assert all(16 <= s <= 254 for s in first)
    assert [slot(c, registry) for c in checkouts] == first  # the same again, every time


def test_a_slot_of_a_checkout_that_is_gone_is_taken_again(tmp_path: Path) -> None:
    registry = tmp_path / "slots"
    gone = tmp_path / "gone"
    gone.mkdir()
    slot(gone, registry)
    gone.rmdir()  # the clone deleted, its slot file left behind
    taken = []
    for i in range(len(AUTO_SLOTS)):
        (tmp_path / f"c{i}").mkdir()
        taken.append(slot(tmp_path / f"c{i}", registry))
    assert sorted(taken) == list(AUTO_SLOTS)  # the gone clone's slot among them
    (tmp_path / "one-too-many").mkdir()
    with pytest.raises(RuntimeError, match=SLOT_ENV):
        slot(tmp_path / "one-too-many", registry)


def test_the_slot_can_be_given_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOT_ENV, "7")
    assert slot(tmp_path, tmp_path / "slots") == 7
    assert sublab("main").loopback_start == "127.7.0.11" and sublab("site").prefix == "ec7s-"
    monkeypatch.setenv(SLOT_ENV, "300")
    with pytest.raises(ValueError):
        slot(tmp_path, tmp_path / "slots")


def test_the_labs_of_a_slot_share_no_address_name_or_state_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SLOT_ENV, "42")
    labs = [sublab(name) for name in SUBLABS]
    assert all(cfg.loopback_start.startswith("127.42.") for cfg in labs)
    for field in ("loopback_start", "prefix", "state_dir", "hosts_dir"):
        values = [getattr(cfg, field) for cfg in labs]
        assert len(set(values)) == len(values), field
    prefixes = [cfg.prefix for cfg in labs]
    assert not [a for a in prefixes for b in prefixes if a != b and b.startswith(a)]  # no name is another's


def test_the_old_variables_still_move_a_lab_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVCHECK_LAB_LOOPBACK", "127.2.0.11")
    monkeypatch.setenv("ENVCHECK_LAB_PREFIX", "h2-")
    monkeypatch.setenv("ENVCHECK_SITE_LAB_LOOPBACK", "127.2.2.11")
    monkeypatch.setenv(SLOT_ENV, "42")
    main, site = sublab("main"), sublab("site")
    assert (main.loopback_start, main.prefix) == ("127.2.0.11", "h2-")
    assert (site.loopback_start, site.prefix) == ("127.2.2.11", "ec42s-")
