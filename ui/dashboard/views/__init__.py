"""One Streamlit script per dashboard page; ``ui/dashboard/app.py`` lists them."""
