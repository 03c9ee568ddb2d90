"""The digest of every shipped and benchmark scenario, pinned.

A change that moves code without changing behaviour leaves each of these as it
is. A change that means to alter what runs do (new fields in the event log, new
ids) updates this table in the same commit and says why. Last changed: invoices keep
their own ids (SIM-0000001 for the load's, the CSV's for bulk rows), which key every
random draw of a payment (#18); the demo opens with 30 days of history (#19); the demo's
load has a few payers who send too little or too much to the wallet, so its dashboards
show invoices underpaid and overpaid (#18 point 11; only the demo's digests changed).
"""

from __future__ import annotations

# (scenario file stem, shards) -> digest of a local run on the virtual clock.
SHIPPED = {
    ("bulk", 1): "ca7f74500f0c0c60ac181682d8aa9e093b56035c240b891baf49e73ee3a07974",
    ("bulk", 2): "937f337135c590ebfcaa240c107a603bb70ad04505df8d50c253ecd110a169a2",
    ("demo", 1): "b39df877cc9eeb9478e9e275bdb893eb6074459a7fd9f2ff5573b7de46764110",
    ("demo", 2): "803156f20c24012b67bda17676d57258c5e80ab1f5413c17428f5acc8192875d",
    ("failover_cascade", 1): "18f6bd10eb4a04954e5f33b52daa5657d3bd7164f7c6e79b09211b3a18eff817",
    ("failover_cascade", 2): "b4e8261eaee0404cef6c29e1d3d66fc6e0b2117728c8ea513e15fe6b36865399",
    ("reserve_drift", 1): "63e2ae704af65d8a8deadf763979fb6b68622feee9a9ed9d0625300f76e3774e",
    ("reserve_drift", 2): "fca7bd008515f2b6c52aaece7fa930a01697efe5d4c11545b21d369bed017348",
    ("steady", 1): "08109b092970a8b47fa4c91fc4951bf7da39935988c9fce0a0fe3ed0a5f8a14b",
    ("steady", 2): "7447285c95f57c13de6611b39a22094343a9653872456d51540a55294ea47402",
    ("tempo_flapping", 1): "3ea39c154d8b6c2b79f8afd7345ac8b1aca46e33d90231a945c67ab5938c104b",
    ("tempo_flapping", 2): "d20ecde8a364f3e62c7defb1bda8805c958c06bff6cdfe15e638b2603543c89f",
    ("tempo_outage", 1): "75fec67bac268a62376a8312bf2eee237ce094081c54e0b2db5450e436a8dc00",
    ("tempo_outage", 2): "f422597e6b161b7220104ec1ce484c9729064495e1cb329666d50d1631719e62",
    ("tempo_silent", 1): "63d8508622356b82b24773602af7a7cff07788a6cfd1fe2a42d4132e84db42fe",
    ("tempo_silent", 2): "f2a5ad344b0a14e46e6b967e25a38598b3799144f396318791f567eddaf9d802",
}

# The benchmark scenarios, cut to BENCH_CUT_S of load where they run longer (the
# throughput runs take minutes whole; their first 30 s run the same code).
BENCH_CUT_S = 30
BENCH = {
    ("sweep_silent", 1): "39dd7ae90431efcf016dc05b1c0a341cf10f254b4ea189a1838ad854dd973613",
    ("sweep_silent", 2): "af62e035137f2a1f50ccf4bb3f06d5ce413d6af9fefebbc2d76bdbde5320923b",
    ("throughput_1000", 1): "f9ad5e2f15292518c2fe551ae04dceeea079531dd9d0fc81a133096329c431a9",
    ("throughput_1000", 2): "50ac1eff2655bb6ba92006debb1546783a765fc035813b67b0520f0e14ee50a0",
    ("throughput_1000_1h", 1): "f9ad5e2f15292518c2fe551ae04dceeea079531dd9d0fc81a133096329c431a9",
    ("throughput_1000_1h", 2): "50ac1eff2655bb6ba92006debb1546783a765fc035813b67b0520f0e14ee50a0",
}
