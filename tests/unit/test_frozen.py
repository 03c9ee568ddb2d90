"""``@frozen`` records: built, compared, hashed and pickled by their field values."""

from __future__ import annotations

import copy
import pickle

import cloudpickle

from actors.frozen import frozen
from actors.methods import PaymentMethod


@frozen
class Empty:
    pass


@frozen
class One:
    invoice_id: str


@frozen
class Several:
    invoice_id: str
    amount_minor: int
    method: PaymentMethod
    inner: One | None = None


RECORDS = [
    Empty(),
    One("INV-1"),
    Several("INV-2", 4500, PaymentMethod.CARD),
    Several("INV-3", 1, PaymentMethod.BANK, One("INV-3")),
]


def test_a_record_pickles_as_its_class_and_its_field_values_in_order() -> None:
    assert Empty().__reduce__() == (Empty, ())
    assert One("INV-1").__reduce__() == (One, ("INV-1",))
    record = Several("INV-2", 4500, PaymentMethod.CARD)
    assert record.__reduce__() == (Several, ("INV-2", 4500, PaymentMethod.CARD, None))


def test_records_come_back_equal_through_pickle_cloudpickle_and_copy() -> None:
    for record in RECORDS:
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            assert pickle.loads(pickle.dumps(record, protocol=protocol)) == record
        assert cloudpickle.loads(cloudpickle.dumps(record)) == record
        assert copy.deepcopy(record) == record and copy.copy(record) == record
    back = pickle.loads(pickle.dumps(RECORDS[3]))
    assert type(back.inner) is One and back.method is PaymentMethod.BANK
    assert hash(back) == hash(RECORDS[3])
