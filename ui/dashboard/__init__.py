"""The Streamlit dashboards (`invoicesim ui`): pages that only talk to the API over HTTP.

``client`` is the one door to the API; ``session`` keeps the API address and
token of a browser session; ``palette`` gives each provider one colour;
``charts`` builds the Altair charts; ``views/`` holds one thin file per page and
``app.py`` is the entry file that ``streamlit run`` starts.
"""
