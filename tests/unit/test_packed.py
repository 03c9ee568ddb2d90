from operator import itemgetter

from actors.packed import pack_columns, pack_strings, unpack_rows, unpack_strings


def test_strings_come_back_whatever_they_hold() -> None:
    strings = ["", "inv:s0-1", "é\x00|,\n", "s0-1#2", ""]
    assert unpack_strings(pack_strings(strings)) == strings


def test_rows_come_back_as_tuples_in_order_and_no_rows_as_none() -> None:
    rows = [(1.5, "a", 3), (2.0, "bc", -4), (2.0, "", 0)]
    fields = [itemgetter(0), itemgetter(1), itemgetter(2)]
    assert unpack_rows(pack_columns(rows, fields, (1,)), (1,)) == rows
    assert unpack_rows(pack_columns([], fields, (1,)), (1,)) == []
