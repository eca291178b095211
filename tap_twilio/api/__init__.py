"""Leaves that know nothing of streams: settings, auth, errors, paging, dates, retries."""
