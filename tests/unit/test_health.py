from actors.health import Health, HealthConfig, HealthMonitor


def test_a_failed_probe_marks_the_provider_down_and_a_passing_one_brings_it_back() -> None:
    h = HealthMonitor("tempo", HealthConfig(interval_s=30.0, down_after=1, up_after=1))
    h.record_probe(0.0, 120.0)
    assert h.status is Health.HEALTHY
    h.record_probe(30.0, None)
    assert h.status is Health.DOWN
    h.record_probe(60.0, 110.0)
    assert h.status is Health.HEALTHY
    assert [(c.from_status, c.to_status) for c in h.take_changes()] == [
        (Health.HEALTHY, Health.DOWN),
        (Health.DOWN, Health.HEALTHY),
    ]
    assert h.take_changes() == []


def test_down_after_counts_consecutive_failed_probes() -> None:
    h = HealthMonitor("tempo", HealthConfig(down_after=2, up_after=2))
    h.record_probe(0.0, None)
    assert h.status is Health.HEALTHY
    h.record_probe(30.0, None)
    assert h.status is Health.DOWN
    h.record_probe(60.0, 100.0)
    assert h.status is Health.DOWN  # needs two passing probes
    h.record_probe(90.0, 100.0)
    assert h.status is Health.HEALTHY


def test_a_probe_slower_than_its_timeout_counts_as_failed() -> None:
    h = HealthMonitor("tempo", HealthConfig(probe_timeout_ms=1000.0))
    h.record_probe(0.0, 1500.0)
    assert h.status is Health.DOWN
    assert h.last_probe_latency_ms is None


def test_a_slow_probe_marks_the_provider_degraded() -> None:
    h = HealthMonitor("circle", HealthConfig(degraded_latency_ms=500.0, probe_timeout_ms=2000.0))
    h.record_probe(0.0, 800.0)
    assert h.status is Health.DEGRADED
    h.record_probe(30.0, 100.0)
    assert h.status is Health.HEALTHY


def test_a_low_live_success_rate_marks_the_provider_degraded() -> None:
    h = HealthMonitor("circle", HealthConfig(degraded_success_rate=0.9, min_calls=20))
    for i in range(15):
        h.record_call(i * 0.1, True, 200.0)
    for i in range(5):
        h.record_call(2.0 + i * 0.1, False, 2000.0)
    assert h.status is Health.DEGRADED
    rate = h.success_rate(3.0)
    assert rate is not None and abs(rate - 0.75) < 1e-9
    assert h.mean_latency_ms(3.0) == 200.0


def test_the_traffic_window_forgets_calls_older_than_a_minute() -> None:
    h = HealthMonitor("circle")
    for i in range(30):
        h.record_call(float(i), False, 1.0)
    assert h.success_rate(30.0) == 0.0
    assert h.success_rate(200.0) is None
    assert h.calls == 0


def test_probes_are_due_every_interval() -> None:
    h = HealthMonitor("tempo", HealthConfig(interval_s=30.0))
    assert h.probe_due(0.0)
    h.record_probe(0.0, 100.0)
    assert not h.probe_due(29.9)
    assert h.probe_due(30.0)
