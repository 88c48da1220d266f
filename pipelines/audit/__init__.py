"""Audit: immutable snapshots of a period's marts (contents, stores, signatures), their
recomputation from the lake, and the lake retention they govern."""
