"""The operator console's own records: background jobs (large exports, buyer uploads) and the
statistics that belong to no single service (messages per day)."""
