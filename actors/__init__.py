"""The domain: the stateful entities of the payment platform, in plain Python.

Nothing here imports Ray, SimPy, SQLAlchemy, psycopg, FastAPI or Streamlit,
reads the wall clock or uses the global random generator. Every method that
depends on time takes the simulated time ``now`` (seconds, float). Money is
integer minor units (see ``actors.money``).
"""
