from datetime import date

import pytest

from actors.bulk_csv import InvoiceDraft
from actors.errors import IllegalTransition, InputError, InvariantViolation
from actors.invoice import ALLOWED_TRANSITIONS, TERMINAL_STATES, Invoice, InvoiceState
from actors.methods import PaymentMethod
from actors.money import Money

S = InvoiceState


def make_invoice(created_at: float = 10.0, invoice_id: str = "INV-1") -> Invoice:
    return Invoice(
        id=invoice_id,
        merchant="m-1",
        payer="p-1",
        amount=Money(1250),
        method=PaymentMethod.CARD,
        due_date=date(2025, 1, 31),
        created_at=created_at,
    )


def invoice_in(state: InvoiceState) -> Invoice:
    invoice = make_invoice()
    if state is S.PENDING:
        return invoice
    if state is S.EXPIRED:
        invoice.expire(20.0)
        return invoice
    if state is S.UNDERPAID:
        invoice.mark_underpaid(20.0, Money(1000))
        return invoice
    if state is S.OVERPAID:
        invoice.mark_overpaid(20.0, Money(1500))
        return invoice
    invoice.start_processing(11.0)
    if state is S.PAID:
        invoice.mark_paid(12.0, "tempo")
    elif state is S.FAILED:
        invoice.mark_failed(12.0, "all providers declined")
    return invoice


def move(invoice: Invoice, to: InvoiceState, now: float = 30.0) -> None:
    if to is S.PROCESSING:
        invoice.start_processing(now)
    elif to is S.PAID:
        invoice.mark_paid(now, "circle")
    elif to is S.FAILED:
        invoice.mark_failed(now, "declined")
    elif to is S.EXPIRED:
        invoice.expire(now)
    elif to is S.UNDERPAID:
        invoice.mark_underpaid(now, Money(1000))
    elif to is S.OVERPAID:
        invoice.mark_overpaid(now, Money(1500))
    else:
        raise AssertionError(f"no command moves an invoice to {to}")


def test_a_new_invoice_is_pending_with_nothing_recorded_yet() -> None:
    invoice = make_invoice()
    assert invoice.state is S.PENDING
    assert (invoice.paid_at, invoice.provider, invoice.reason, invoice.ended_at) == (None,) * 4
    assert not invoice.is_terminal


def test_the_happy_path_records_when_and_by_which_provider_it_was_paid() -> None:
    invoice = make_invoice()
    invoice.start_processing(11.0, provider="tempo")
    assert (invoice.state, invoice.provider) == (S.PROCESSING, "tempo")
    invoice.mark_paid(12.5, provider="circle")
    assert invoice.state is S.PAID
    assert invoice.paid_at == 12.5
    assert invoice.provider == "circle"
    assert invoice.reason is None
    assert invoice.is_terminal


def test_a_failed_payment_makes_the_invoice_failed_with_its_reason() -> None:
    invoice = invoice_in(S.PROCESSING)
    invoice.mark_failed(15.0, "insufficient funds", provider="stripe")
    assert invoice.state is S.FAILED
    assert (invoice.ended_at, invoice.reason, invoice.provider) == (
        15.0,
        "insufficient funds",
        "stripe",
    )
    assert invoice.paid_at is None


def test_a_pending_invoice_expires_when_its_wallet_ttl_lapses() -> None:
    invoice = make_invoice()
    invoice.expire(1810.0)
    assert invoice.state is S.EXPIRED
    assert invoice.ended_at == 1810.0
    assert invoice.reason == "wallet_ttl_lapsed"


def test_a_processing_invoice_can_expire_with_a_given_reason() -> None:
    invoice = invoice_in(S.PROCESSING)
    invoice.expire(1810.0, reason="attempt outlived the wallet")
    assert invoice.state is S.EXPIRED
    assert invoice.reason == "attempt outlived the wallet"


def test_a_second_mark_paid_is_an_invariant_violation_not_a_transition_error() -> None:
    invoice = invoice_in(S.PAID)
    with pytest.raises(InvariantViolation, match=r"INV-1 paid twice.*tempo.*stripe"):
        invoice.mark_paid(13.0, "stripe")
    assert invoice.paid_at == 12.0
    assert invoice.provider == "tempo"


def test_processing_never_goes_back_to_pending() -> None:
    assert S.PENDING not in ALLOWED_TRANSITIONS[S.PROCESSING]
    assert all(S.PENDING not in targets for targets in ALLOWED_TRANSITIONS.values())


def test_the_transition_table_is_the_documented_state_machine() -> None:
    documented = {
        S.PENDING: {S.PROCESSING, S.EXPIRED, S.UNDERPAID, S.OVERPAID},
        S.PROCESSING: {S.PAID, S.FAILED, S.EXPIRED},
        S.PAID: set(),
        S.FAILED: set(),
        S.EXPIRED: set(),
        S.UNDERPAID: set(),
        S.OVERPAID: set(),
    }
    assert documented == ALLOWED_TRANSITIONS
    assert {S.PAID, S.FAILED, S.EXPIRED, S.UNDERPAID, S.OVERPAID} == TERMINAL_STATES


# Every (from, to) pair except paying a paid invoice, which is a bug tested above.
_PAIRS = [(a, b) for a in S for b in S if b is not S.PENDING and (a, b) != (S.PAID, S.PAID)]


@pytest.mark.parametrize(("start", "to"), _PAIRS)
def test_every_move_outside_the_table_raises_illegal_transition_naming_id_from_and_to(
    start: InvoiceState, to: InvoiceState
) -> None:
    invoice = invoice_in(start)
    if to in ALLOWED_TRANSITIONS[start]:
        move(invoice, to)
        assert invoice.state is to
        return
    before = (invoice.state, invoice.ended_at, invoice.reason, invoice.provider)
    with pytest.raises(IllegalTransition, match=f"invoice INV-1: cannot move from {start} to {to}"):
        move(invoice, to)
    assert (invoice.state, invoice.ended_at, invoice.reason, invoice.provider) == before


def test_too_little_sent_to_the_wallet_leaves_the_invoice_underpaid_and_unpaid() -> None:
    invoice = make_invoice()
    invoice.mark_underpaid(40.0, Money(1125))
    assert invoice.state is S.UNDERPAID and invoice.is_terminal
    assert invoice.reason == "underpaid: 11.25 of 12.50 USD received; held for review"
    assert (invoice.ended_at, invoice.paid_at, invoice.provider) == (40.0, None, None)


def test_too_much_sent_to_the_wallet_pays_the_invoice_and_holds_the_extra() -> None:
    invoice = make_invoice()
    invoice.mark_overpaid(40.0, Money(1375))
    assert invoice.state is S.OVERPAID and invoice.is_terminal
    assert invoice.reason == (
        "overpaid: 13.75 of 12.50 USD received; 12.50 applied, 1.25 held for review"
    )
    assert (invoice.ended_at, invoice.paid_at, invoice.provider) == (40.0, 40.0, None)


@pytest.mark.parametrize(
    ("mark", "sent"),
    [("mark_underpaid", Money(1250)), ("mark_underpaid", Money(1300)),
     ("mark_overpaid", Money(1250)), ("mark_overpaid", Money(1000)),
     ("mark_underpaid", Money(1000, "EUR")), ("mark_overpaid", Money(1500, "EUR"))],
)  # fmt: skip
def test_an_amount_that_is_not_short_or_over_is_a_bug_and_moves_nothing(
    mark: str, sent: Money
) -> None:
    invoice = make_invoice()
    with pytest.raises(InvariantViolation, match="INV-1"):
        getattr(invoice, mark)(40.0, sent)
    assert (invoice.state, invoice.ended_at, invoice.reason) == (S.PENDING, None, None)


def test_an_invoice_in_processing_cannot_end_underpaid_or_overpaid() -> None:
    invoice = invoice_in(S.PROCESSING)
    with pytest.raises(IllegalTransition, match="from processing to underpaid"):
        invoice.mark_underpaid(40.0, Money(1000))
    with pytest.raises(IllegalTransition, match="from processing to overpaid"):
        invoice.mark_overpaid(40.0, Money(1500))
    assert invoice.state is S.PROCESSING


def test_an_invoice_cannot_move_before_it_was_created() -> None:
    invoice = make_invoice(created_at=100.0)
    with pytest.raises(InvariantViolation, match="before it was created"):
        invoice.start_processing(99.0)
    assert invoice.state is S.PENDING


def test_an_invoice_needs_an_id_and_a_positive_amount() -> None:
    with pytest.raises(InputError, match="non-empty id"):
        make_invoice(invoice_id="")
    for minor in (0, -5):
        with pytest.raises(InputError, match="greater than 0"):
            Invoice(
                id="INV-9",
                merchant="m",
                payer="p",
                amount=Money(minor),
                method=PaymentMethod.BANK,
                due_date=date(2025, 1, 1),
                created_at=0.0,
            )


def test_an_invoice_is_built_from_a_bulk_csv_draft() -> None:
    draft = InvoiceDraft(
        line=7,
        invoice_id="INV-7",
        payer="=SUM(A1)",
        merchant="acme",
        amount=Money(500, "JPY"),
        method=PaymentMethod.CRYPTO,
        due_date=date(2025, 3, 1),
    )
    invoice = Invoice.from_draft(draft, now=42.0)
    assert (invoice.id, invoice.payer, invoice.merchant) == ("INV-7", "=SUM(A1)", "acme")
    assert invoice.amount == Money(500, "JPY")
    assert invoice.method is PaymentMethod.CRYPTO
    assert invoice.due_date == date(2025, 3, 1)
    assert invoice.created_at == 42.0
    assert invoice.state is S.PENDING


def test_an_invoice_has_no_per_instance_dict_to_stay_small_on_the_hot_path() -> None:
    invoice = make_invoice()
    assert not hasattr(invoice, "__dict__")
    with pytest.raises(AttributeError):
        invoice.extra = 1  # type: ignore[attr-defined]
