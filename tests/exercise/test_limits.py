"""Limits and safety: problem+json naming the field, bounded bodies and headers, the
documented OpenAPI, 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import contextlib
import socket

import httpx

from exercise.emulators import EmulateOptions, Emulators, MemoryRecords
from exercise.emulators.api import MAX_BODY_BYTES, MAX_HEADER_BYTES, MAX_HEADERS
from tests.exercise.helpers import charge_body, client_of, scenario

PROBLEM = "application/problem+json"


def fields(answer: httpx.Response) -> list[str]:
    assert answer.headers["content-type"] == PROBLEM
    return [error["field"] for error in answer.json()["errors"]]


def test_a_bad_charge_is_answered_with_problem_json_naming_each_field() -> None:
    with client_of(scenario()) as client:
        no_key = client.post("/charges", json=charge_body("INV-1"))
        text_amount = client.post(
            "/charges",
            json=charge_body("INV-1") | {"amount_minor": "100"},
            headers={"Idempotency-Key": "a"},
        )
        unknown = client.post(
            "/charges",
            json=charge_body("INV-1") | {"tip_minor": 5},
            headers={"Idempotency-Key": "b"},
        )
        bad_key = client.post(
            "/charges", json=charge_body("INV-1"), headers={"Idempotency-Key": "a/b"}
        )
        query = client.get("/health", params={"verbose": "1"})
    assert (no_key.status_code, fields(no_key)) == (422, ["header.Idempotency-Key"])
    assert (text_amount.status_code, fields(text_amount)) == (422, ["body.amount_minor"])
    assert (unknown.status_code, fields(unknown)) == (422, ["body.tip_minor"])
    assert (bad_key.status_code, fields(bad_key)) == (422, ["header.Idempotency-Key"])
    assert (query.status_code, fields(query)) == (422, ["query.verbose"])


def test_a_body_over_the_limit_is_refused_with_413_declared_or_streamed() -> None:
    big = b'{"invoice_id": "' + b"x" * MAX_BODY_BYTES + b'"}'
    headers = {"Idempotency-Key": "big", "Content-Type": "application/json"}
    with client_of(scenario()) as client:
        declared = client.post("/charges", content=big, headers=headers)
        streamed = client.post("/charges", content=iter([big[:1000], big[1000:]]), headers=headers)
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.headers["content-type"] == PROBLEM


def test_too_many_or_too_large_header_fields_get_431_and_a_huge_head_is_cut_off() -> None:
    many = {f"x-{n}": "1" for n in range(MAX_HEADERS + 1)}
    large = {"x-large": "a" * MAX_HEADER_BYTES}
    huge = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_000_000
    with client_of(scenario()) as client:
        too_many = client.get("/health", headers=many)
        too_large = client.get("/health", headers=large)
        port = client.base_url.port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:  # before the app
            with contextlib.suppress(ConnectionError):  # refused and closed while still sending
                raw.sendall(huge)
            cut_off = raw.recv(100)
    for answer in (too_many, too_large):
        assert answer.status_code == 431 and answer.headers["content-type"] == PROBLEM
    assert cut_off.startswith(b"HTTP/1.1 400")


def test_each_emulator_serves_its_openapi_with_the_documented_routes() -> None:
    with client_of(scenario(), "circle") as client:
        schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "invoicesim emulator: circle"
    assert set(schema["paths"]) == {"/charges", "/charges/{key}", "/charges/{key}/void", "/health"}
    create = schema["paths"]["/charges"]["post"]
    assert {p["name"] for p in create["parameters"]} == {"Idempotency-Key"}
    assert {"201", "200", "402", "409", "422", "429"} <= set(create["responses"])


def test_the_emulators_listen_on_127_0_0_1_unless_told_otherwise() -> None:
    emulators = Emulators(scenario(), EmulateOptions(base_port=0), MemoryRecords())
    endpoints = emulators.bind()
    try:
        bound = [e.listener.bound_address() for e in emulators.providers]
    finally:
        emulators.release()
    assert {e.host for e in endpoints} == {"127.0.0.1"}
    assert {address and address[0] for address in bound} == {"127.0.0.1"}
