"""The donor frontend: built from `frontend/` (copied, fingerprinted, compressed) and served."""
