"""The API's routers, one per area; ``create_app`` mounts them under /api/v1."""
