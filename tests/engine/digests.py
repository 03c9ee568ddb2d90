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
partition is the whole provider). ``python -m tools.digests`` prints the tables as runs
give them now.
"""

from __future__ import annotations

# (scenario file stem, shards) -> digest of a local run on the virtual clock.
SHIPPED = {
    ("bulk", 1): "ca7f74500f0c0c60ac181682d8aa9e093b56035c240b891baf49e73ee3a07974",
    ("bulk", 2): "23f8e3c6f2e465814c9a8d5c2dba7efecd71947093ae1834475fce897cfc0be5",
    ("demo", 1): "b39df877cc9eeb9478e9e275bdb893eb6074459a7fd9f2ff5573b7de46764110",
    ("demo", 2): "e83cb6c431e123f0b601db55bc4650233e8b4fed78c114aea3c477f91610aefa",
    ("failover_cascade", 1): "18f6bd10eb4a04954e5f33b52daa5657d3bd7164f7c6e79b09211b3a18eff817",
    ("failover_cascade", 2): "01e271055c0a4f03d905745c537b3c7abd3fc87627f76c5a84975a592dafb34e",
    ("reserve_drift", 1): "63e2ae704af65d8a8deadf763979fb6b68622feee9a9ed9d0625300f76e3774e",
    ("reserve_drift", 2): "4983d6011f7066e5397ddcc6152d9e331aa6e9f4bd4ff3f9bd78ce05f46c444c",
    ("steady", 1): "08109b092970a8b47fa4c91fc4951bf7da39935988c9fce0a0fe3ed0a5f8a14b",
    ("steady", 2): "3794279e86d11c8ada73d00dfc4bb5b81e2b9fbb47872f09b29d375f7efd6a41",
    ("tempo_flapping", 1): "3ea39c154d8b6c2b79f8afd7345ac8b1aca46e33d90231a945c67ab5938c104b",
    ("tempo_flapping", 2): "3ba04ddf14fa81fb314389cdae0c5a45828fd735467ac01a9da97c7b9ca74cce",
    ("tempo_outage", 1): "75fec67bac268a62376a8312bf2eee237ce094081c54e0b2db5450e436a8dc00",
    ("tempo_outage", 2): "cb268eec34117ac8a87eb4ccfca0806b5c4d4c06061b7e928b10c3eb42703466",
    ("tempo_silent", 1): "63d8508622356b82b24773602af7a7cff07788a6cfd1fe2a42d4132e84db42fe",
    ("tempo_silent", 2): "b2a3d3481ffd62f953c78c01ef86c19cd448562edec9df5aa8f65d8b4c76af20",
}

# The benchmark scenarios, cut to BENCH_CUT_S of load where they run longer (the
# throughput runs take minutes whole; their first 30 s run the same code).
BENCH_CUT_S = 30
BENCH = {
    ("sweep_silent", 1): "39dd7ae90431efcf016dc05b1c0a341cf10f254b4ea189a1838ad854dd973613",
    ("sweep_silent", 2): "5c0eb03869826af073d6b5db5e6729c349a64a3c1267c04a98d23b681409fcf2",
    ("throughput_1000", 1): "f9ad5e2f15292518c2fe551ae04dceeea079531dd9d0fc81a133096329c431a9",
    ("throughput_1000", 2): "1eb1799f12c44552517f43bd59e16699e27f2f662e2b67ec8e40f44c5be9d6b7",
    ("throughput_1000_1h", 1): "f9ad5e2f15292518c2fe551ae04dceeea079531dd9d0fc81a133096329c431a9",
    ("throughput_1000_1h", 2): "1eb1799f12c44552517f43bd59e16699e27f2f662e2b67ec8e40f44c5be9d6b7",
}
