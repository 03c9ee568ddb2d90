"""The ``invoicesim`` command line: ``app`` declares the commands, one module each.

Nothing is imported here, so ``python -m ui.cli.tied`` starts fast; the entry
point is ``ui.cli.app:main``.
"""
