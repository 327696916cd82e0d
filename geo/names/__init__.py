"""Place names (地名): romanization, the gazetteer, the approval workflow and the public
lookup (DOMAIN §A–B)."""
