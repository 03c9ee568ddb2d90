"""Declines follow the configured rate, drawn exactly as the simulated provider draws them."""

from __future__ import annotations

from actors.keyed import KeyedRandom
from tests.exercise.helpers import client_of, create, scenario

CHARGES = 300
RATE = 0.3
SEED = 11
DECLINING = (
    f"providers:\n  tempo: {{latency_base_ms: 0, latency_jitter_ms: 0, decline_rate: {RATE}}}\n"
)


def declined_keys() -> list[str]:
    with client_of(scenario(DECLINING, seed=SEED)) as client:
        answers = {f"c-{n}": create(client, f"c-{n}") for n in range(CHARGES)}
    assert {a.status_code for a in answers.values()} <= {201, 402}
    return [key for key, answer in answers.items() if answer.status_code == 402]


def test_declines_come_at_the_configured_rate_as_the_simulations_keyed_draws_decide() -> None:
    declined = declined_keys()
    assert abs(len(declined) / CHARGES - RATE) < 0.08  # 3 standard deviations of 300 draws
    # The simulated provider's draw for attempt 1 of each key (actors.provider.Provider)
    rng = KeyedRandom(SEED)
    drawn = [
        f"c-{n}" for n in range(CHARGES) if rng.chance(RATE, "tempo", f"c-{n}#1", stream="decline")
    ]
    assert declined == drawn


def test_two_emulations_of_one_seed_decline_the_same_charges_for_the_same_client() -> None:
    assert declined_keys() == declined_keys()


def test_a_create_again_after_a_decline_is_a_new_attempt_and_status_says_declined_meanwhile() -> (
    None
):
    rng = KeyedRandom(SEED)
    # A key whose first attempt is declined and whose second is not.
    key = next(
        f"r-{n}"
        for n in range(1_000)
        if rng.chance(RATE, "tempo", f"r-{n}#1", stream="decline")
        and not rng.chance(RATE, "tempo", f"r-{n}#2", stream="decline")
    )
    with client_of(scenario(DECLINING, seed=SEED)) as client:
        first = create(client, key)
        status = client.get(f"/charges/{key}")
        second = create(client, key)
    assert first.status_code == 402
    assert first.headers["content-type"] == "application/problem+json"
    assert status.json()["status"] == "declined"
    assert second.status_code == 201 and second.json()["attempts"] == 2
