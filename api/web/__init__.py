"""The staff web app (DESIGN §2): sign-in, the desks' pages and the message catalogs."""
