"""civgeo domain logic: everything that touches the database lives here (DESIGN §1–2).

Modules take an open psycopg2 connection as their first argument and never commit;
the caller (an API route, the CLI or a test) owns the transaction.
"""
