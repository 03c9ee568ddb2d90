import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from actors.idempotency import KeyStore
from actors.keyed import KeyedRandom
from actors.methods import PaymentMethod
from actors.provider import DEFAULT_PROVIDERS, Provider, StatusState


def test_an_unknown_key_maps_to_nothing() -> None:
    store: KeyStore[int] = KeyStore(10.0)
    assert store.get("k") is None
    store.discard("k")  # forgetting what was never stored is not an error
    assert store.get("k") is None


def test_a_key_maps_to_its_value_until_discarded() -> None:
    store: KeyStore[str] = KeyStore(10.0)
    store.put(0.0, "a", "charge-a")
    store.put(25.0, "b", "charge-b")  # a later generation
    assert store.get("a") == "charge-a"
    assert store.get("b") == "charge-b"
    store.discard("a")
    assert store.get("a") is None
    assert store.get("b") == "charge-b"


def test_a_key_put_again_in_a_later_generation_hides_the_older_value_and_discard_drops_both() -> (
    None
):
    store: KeyStore[str] = KeyStore(10.0)
    store.put(0.0, "k", "voided")
    store.put(30.0, "k", "retry")
    assert store.get("k") == "retry"
    store.discard("k")
    assert store.get("k") is None


def test_a_key_put_again_in_the_same_generation_replaces_its_value() -> None:
    store: KeyStore[str] = KeyStore(10.0)
    store.put(0.0, "k", "first")
    store.put(5.0, "k", "second")
    assert store.get("k") == "second"


def test_generations_open_every_generation_s_and_the_oldest_leaves_once_empty() -> None:
    # The store's reason to exist is memory: a generation whose keys are all gone must be
    # released, not kept as an empty table. (Checked on the private deque: nothing public
    # shows how many tables are held.)
    store: KeyStore[int] = KeyStore(10.0)
    for t in range(40):  # four generations: [0, 10), [10, 20), [20, 30), [30, 40)
        store.put(float(t), f"k{t}", t)
    assert [opened for opened, _ in store._generations] == [0.0, 10.0, 20.0, 30.0]
    for t in range(10):
        store.discard(f"k{t}")
    assert [opened for opened, _ in store._generations] == [10.0, 20.0, 30.0]
    store.discard("k35")  # a newer generation partly emptied stays
    assert len(store._generations) == 3
    assert store.get("k36") == 36


# A KeyStore must answer exactly as a plain dict would: only its layout differs.
_ops = st.lists(
    st.tuples(
        st.sampled_from(["put", "discard", "get"]),
        st.sampled_from([f"k{i}" for i in range(8)]),
        st.floats(min_value=0.0, max_value=5.0),  # time step before the operation
    ),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(ops=_ops, generation_s=st.floats(min_value=0.5, max_value=20.0))
def test_a_key_store_answers_like_a_dict(
    ops: list[tuple[str, str, float]], generation_s: float
) -> None:
    store: KeyStore[int] = KeyStore(generation_s)
    model: dict[str, int] = {}
    now = 0.0
    for n, (op, key, step) in enumerate(ops):
        now += step
        if op == "put":
            store.put(now, key, n)
            model[key] = n
        elif op == "discard":
            store.discard(key)
            model.pop(key, None)
        assert store.get(key) == model.get(key)
    for key in {k for _, k, _ in ops}:
        assert store.get(key) == model.get(key)


def test_a_provider_retried_after_a_void_keeps_the_retry_for_its_own_retention() -> None:
    config = dataclasses.replace(DEFAULT_PROVIDERS[0], idempotency_retention_s=60.0)
    p = Provider(config, KeyedRandom(1))
    card = PaymentMethod.CARD
    p.submit(0.0, "i1", "inv:i1", "i1#1", 10_000, card)
    assert p.void(0.001, "inv:i1")
    p.submit(50.0, "i1", "inv:i1", "i1#2", 10_000, card)  # same invoice key, new attempt
    p.advance(70.0)  # the voided attempt's key ages out; the retry's must not
    assert p.status(70.0, "inv:i1").state is StatusState.CHARGED  # type: ignore[union-attr]
    assert [c.attempt_key for c in p.take_charges()] == ["i1#2"]
    p.advance(200.0)
    assert p.status(200.0, "inv:i1").state is StatusState.NOT_FOUND  # type: ignore[union-attr]
