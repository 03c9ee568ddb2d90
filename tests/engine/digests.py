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
not); then the reserve trails the cells by one window, in the same call (#22): the
windows start where the cells' and the reserve's pending work says, one round later
for the reserve, so every digest changed again. ``python -m tools.digests`` prints the
tables as runs give them now.
"""

from __future__ import annotations

# (scenario file stem, shards) -> digest of a local run on the virtual clock.
SHIPPED = {
    ("bulk", 1): "81500bead2603f4afa2de74cbb5ecbcbd3240c8a4b1b17b0043a3802d82b7268",
    ("bulk", 2): "523d7a0241e49d4e6d1b181fa4743e3eb0a8904b693143ebc521a917bd85be2f",
    ("demo", 1): "a03cfe5c0ca2f0a2b5317521487e9181697bdd9581a32305293f29daa74b4f6b",
    ("demo", 2): "bf576d5ab4d1e35781f4ac55d9adc9fbae9b506b3fe736082064ed56bb481541",
    ("failover_cascade", 1): "8af6f4da2dea2235ba100481b4d6a2b1dd373538a17a5e4a50c5d24fc611d63e",
    ("failover_cascade", 2): "a9d46c2cc89d50e5a2b333b4115cbd652ecf400883c06662b1f8f9e941e33164",
    ("reserve_drift", 1): "e6c25250ea8c4dfa7223d1184c63946e0a2b98eea68c3e4ece62e071e3de0dee",
    ("reserve_drift", 2): "c01c035c2b3c79c61c893ed203d6b7a209bea6dcd64f132ee619b311d1e8e28d",
    ("steady", 1): "706f0e0fe49bd0d38fa938b613fbd88bb92be833212ea23618f8210f1f2c42cb",
    ("steady", 2): "8b329c2954e58c26a2aa839048867aea2d589d6df05ec1e80468088771548478",
    ("tempo_flapping", 1): "fa19984fc76d4c85ecb92ed0c7f078d5964ea044feabd82dc814789c6501dfba",
    ("tempo_flapping", 2): "58b0ce189d28817e6f6ac495cceee2a28a9578ac90d9a26a91e701d7cfff56bd",
    ("tempo_outage", 1): "b4c307b01a5f02e9916251ba34236b9cca9a024c1a46f75f6bf8ea57104ae7dd",
    ("tempo_outage", 2): "b73304f56d40c35197583d682449195e8395a519c0f232afdb8f21eab7a90d37",
    ("tempo_silent", 1): "273865b848a4f2ca9866cdadb3cafb7b8d2ccfe29aea7615f458bd5e2db1238e",
    ("tempo_silent", 2): "eb2ec6cacf34d8f99a723273539310b8f28203e2db3e320e05c8b488ab144ccf",
}

# The benchmark scenarios, cut to BENCH_CUT_S of load where they run longer (the
# throughput runs take minutes whole; their first 30 s run the same code).
BENCH_CUT_S = 30
BENCH = {
    ("sweep_silent", 1): "c4e75029164fe84475b40065495c790e13728c9b0fac45a1d75d3d486749060a",
    ("sweep_silent", 2): "6c08daacf247d72c1fd6b7cb8db2301e54353288e0e7a2c5aecf410a5e4bfb4c",
    ("throughput_1000", 1): "6ce9a7525e4953334132955142bb2c63966849fb85afb611fc446b9ca8091e65",
    ("throughput_1000", 2): "b3351453ebe3ba3857546e5004f85e71f79c8a15979372527ff54bbac31dd809",
    ("throughput_1000_1h", 1): "6ce9a7525e4953334132955142bb2c63966849fb85afb611fc446b9ca8091e65",
    ("throughput_1000_1h", 2): "b3351453ebe3ba3857546e5004f85e71f79c8a15979372527ff54bbac31dd809",
}
