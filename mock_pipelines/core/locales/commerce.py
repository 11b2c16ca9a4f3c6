"""GS1 barcode prefixes per country."""

# GS1 prefixes (first three digits) by country; others draw from the whole 000-999 range.
GS1_PREFIXES = {
    "US": list(range(0, 140)), "DE": list(range(400, 441)), "FR": list(range(300, 380)),
    "JP": list(range(450, 460)) + list(range(490, 500)), "GB": list(range(500, 510)),
}
