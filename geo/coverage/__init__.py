"""Facilities and coverage: isochrones, the 15-minute eldercare circle, indicators,
accessibility, site suggestions and burial-prohibited zones (DOMAIN §E–F, PEERS §4)."""
