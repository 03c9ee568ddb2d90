"""The digest of every shipped and benchmark scenario, pinned.

A change that moves code without changing behaviour leaves each of these as it
is. A change that means to alter what runs do (new fields in the event log, new
ids) updates this table in the same commit and says why. Last changed: invoices keep
their own ids (SIM-0000001 for the load's, the CSV's for bulk rows), which key every
random draw of a payment (#18); the demo opens with 30 days of history (#19); the demo's
load has a few payers who send too little or too much to the wallet, so its dashboards
show invoices underpaid and overpaid (#18 point 11; only the demo's digests changed);
every shard has its own partition of every provider, with its share of the rate and
concurrency limits (#22): the 2-shard digests changed, the 1-shard ones did not (one
partition is the whole provider); then each shard and its partitions run as one cell,
in windows of a lookahead of their own inside the coordinator's one-second windows
(#22 point 2): the same events, but each LP's digest chain is cut at its cell's
windows, so every digest changed (the failover figures of the shipped scenarios did
not). ``python -m tools.digests`` prints the tables as runs give them now.
"""

from __future__ import annotations

# (scenario file stem, shards) -> digest of a local run on the virtual clock.
SHIPPED = {
    ("bulk", 1): "2ac2000c674158073f6f0b9ac9685ae177a9b58d3496f38cf627360b71b3cb5e",
    ("bulk", 2): "5337b6b16fed9d72ed4bab13a8468b895c98ea64bee14899338f596d17f96ae2",
    ("demo", 1): "f8fee9944b6d76605ff6b664eeae429861f5874471b62331b8979bea7eb9b3f6",
    ("demo", 2): "9785cc5cbf3b27ba7a7ab99aa3c0c5bec0ce336b1ddb788478feb528a018e547",
    ("failover_cascade", 1): "6a762f1c819ca6a1f4b3b5bc304f2cc40015a6cff77db6502cfc1dee26558ce1",
    ("failover_cascade", 2): "d996ee607987969222f27993d4ec7cc2efa34961ef5ef2cb5734fa9fd7fc734d",
    ("reserve_drift", 1): "02b56c287e2cb740009c62411da59cddbb56c16bf69b8010b9ad69e6421b0db8",
    ("reserve_drift", 2): "8edc1876d33eda4c836cf8181d31b151cd31e87c6d56d559d54eccbff86edc7d",
    ("steady", 1): "b4c704fd6acae8a2bbbcda0819e908637a3c98b2d39ca497fe86211f397f670a",
    ("steady", 2): "4baed51ce88aee0661f13562d6ecf3a4a2c48aa39ca347e824fd8a600f0c1b01",
    ("tempo_flapping", 1): "2a532a4bcc69949868373d963533150677810d66d6dfe659694e8711bc6ee599",
    ("tempo_flapping", 2): "00ab4a3593d14cf17f8cd680ac4cbc92f84eb9fdc7b01e69e7fc4fb2de435f83",
    ("tempo_outage", 1): "09816097bc6b7a3e74eab7c7ff5073efcdd580af6c3a1c0a64176a25937fc30a",
    ("tempo_outage", 2): "8c093dc44c870ed07641144c3c000d08ab9edbd0b0aea5842e7bf31d57afc3a5",
    ("tempo_silent", 1): "6b306acce1f5465c4e1ca334a8671008e9990d52247324a5c0a9c2de90c6589b",
    ("tempo_silent", 2): "a99e2ca49f0e2d0421c957972f2dd6df012d6058beed57a495bfdac9850ad67a",
}

# The benchmark scenarios, cut to BENCH_CUT_S of load where they run longer (the
# throughput runs take minutes whole; their first 30 s run the same code).
BENCH_CUT_S = 30
BENCH = {
    ("sweep_silent", 1): "1ed96168a6a6ee6b0e96e29f7027e47a35fc4c0f8b7e3f8629fff52772e29273",
    ("sweep_silent", 2): "2b7c1b610e84baa4736617f1459d93bdfc1b89dc97311093b0aa3231a8d8e0e4",
    ("throughput_1000", 1): "8efd96ad97c48714839bc2514431b9286192355fc4762ccb9498afab6b7e59f1",
    ("throughput_1000", 2): "13d921a8de9bdac6bedd7375822708a788073354c507adfbdd8a6fed7cefe157",
    ("throughput_1000_1h", 1): "8efd96ad97c48714839bc2514431b9286192355fc4762ccb9498afab6b7e59f1",
    ("throughput_1000_1h", 2): "13d921a8de9bdac6bedd7375822708a788073354c507adfbdd8a6fed7cefe157",
}
