"""House-number plates (门牌, DOMAIN §C): roads and their numbering, validation, standard
addresses, plates with their lifecycle, campaigns and QR codes."""
