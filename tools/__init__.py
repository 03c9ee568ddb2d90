"""Developer tools that drive the live demo (not part of the product): screenshots."""
