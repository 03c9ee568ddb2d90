"""Interfaces, thin by design: ``cli`` (the ``invoicesim`` command line), ``api`` (the
FastAPI service, the one door for programs and the dashboards) and ``dashboard`` (the
Streamlit pages, which only talk to the API)."""
