"""The exit codes of every ``invoicesim`` command."""

EXIT_OK = 0  # done; a run, sweep or fuzz: every assertion and invariant held
EXIT_FAILED = 1  # done, but something it checked failed
EXIT_BAD_INPUT = 2  # bad input, or the command could not go on (the database is unreachable)
