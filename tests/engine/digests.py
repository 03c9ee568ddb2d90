"""The digest of every shipped and benchmark scenario, pinned.

A change that moves code without changing behaviour leaves each of these as it
is. A change that means to alter what runs do (new fields in the event log, new
ids) updates this table in the same commit and says why.
"""

from __future__ import annotations

# (scenario file stem, shards) -> digest of a local run on the virtual clock.
SHIPPED = {
    ("bulk", 1): "3de7b780cfde1af613b0b6c591fa6127381da2d4ec0b8926f39926fe1ecb7755",
    ("bulk", 2): "cce9f38187d71034444fef17165f7030b3188c7bb0e49f40de32a91ca6be5742",
    ("demo", 1): "b7084c18bd3439b35bf3bb40255dae98a6972fb990a7311dfe909e200efec4d5",
    ("demo", 2): "29608ed3b53e22c9b6c33171739457ba310566389c3cdfb3c5934cbe2448c223",
    ("failover_cascade", 1): "7bd0545ec36f781ecdc92eba8249080a6075914681870aff5faa0cb068feb459",
    ("failover_cascade", 2): "8c3db2a93a2c4249d15ba61875d75221115e9f12c1da7b395e8cc3f2c528bfa2",
    ("reserve_drift", 1): "57a098a67cda820ce91eb4fd5810125b99f4eae4883ca8fcd6ece9b1ead06025",
    ("reserve_drift", 2): "274a68870b2a39d73c09b1441993f365b962e213e4a0941e89a7ac6df1b55b03",
    ("steady", 1): "3a9f56e8fa56b22e64c5dc2548491c7fe8930fef45897f0a1e8b0b1b0268a48b",
    ("steady", 2): "3ae72dc326c59b40388d8b7617368c2b9b32bd22de5da311cfcee864e315b9a7",
    ("tempo_flapping", 1): "a3f4e82b27179f2619cf843da52470fe1254532494b874c556416833dbd3bb06",
    ("tempo_flapping", 2): "85429a1ad61022555eeb121e68e2bf91549021bbb555baf5e41ee65fbf1ad66e",
    ("tempo_outage", 1): "d68d1337a19653c0c52e6e5d01a1d46a6f112a6209e6198a83419d86a8249727",
    ("tempo_outage", 2): "82b46db18a1baffd0b71e5d553ed64e52f5f66e15e076c19fe8579a13819f7ff",
    ("tempo_silent", 1): "a20e744a64e57e3b7d08b245bcf6df9fd4aa704576d4fb1e8b5e2568fb9bf37b",
    ("tempo_silent", 2): "dfdb5b42ab8d944864b348900796c2fa5a228e5a9b5c9c469b1412272b8ad7e4",
}

# The benchmark scenarios, cut to BENCH_CUT_S of load where they run longer (the
# throughput runs take minutes whole; their first 30 s run the same code).
BENCH_CUT_S = 30
BENCH = {
    ("sweep_silent", 1): "b829a6678956332ac830fb4bd3bfe8e248bc496f09d05c857303bbf5a412921d",
    ("sweep_silent", 2): "d8e8d0b9f80f93ec5b37982d70f9d77b6d5de3b6d84fc488b7fe1dacedc1949c",
    ("throughput_1000", 1): "70b17aaf06c1e031e9bd69268c92651763c4419539e930349cb4083fc6c97cde",
    ("throughput_1000", 2): "f63333bd511d2404366d3b93380516aaa7c72341351a1d0ec17c27a5844cbcb5",
    ("throughput_1000_1h", 1): "70b17aaf06c1e031e9bd69268c92651763c4419539e930349cb4083fc6c97cde",
    ("throughput_1000_1h", 2): "f63333bd511d2404366d3b93380516aaa7c72341351a1d0ec17c27a5844cbcb5",
}
