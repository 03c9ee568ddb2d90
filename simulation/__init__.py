"""The simulation: scenarios run as logical processes in lock-step windows of simulated time.

The public surface is at the top: ``engine`` (``run_scenario``, the composition
root of a run), ``commands`` (what the API may ask of a live run), ``run_store``
(the database side of a persisted run) and ``export`` (safe CSV). The rest is
in packages by concept: ``scenario`` (the file, validated), ``processes`` (the
logical processes and their messages), ``runtime`` (the window loop, the local
and Ray runtimes, checkpoints), ``report``, ``live`` (the paced service behind
``invoicesim serve``), ``sweep`` and ``fuzz``.
"""
