"""The sync engine: base streams, read plans, windows, read-ahead fetcher, state, fast path."""
