"""Forms of address the person generators use where Faker's locale data has none."""

# Honorifics where Faker has none (fr_FR's Faker "prefixes" are name particles, ja_JP has none).
PREFIXES: dict[str, dict[str, dict[str, float]]] = {
    "fr_FR": {"female": {"Mme": 0.8, "Mlle": 0.08, "Dr": 0.09, "Pr": 0.03},
              "male": {"M.": 0.88, "Dr": 0.09, "Pr": 0.03}},
}

SUFFIXES: dict[str, dict[str, float]] = {
    # Japanese honorifics follow the name: the closest thing to a name suffix.
    "ja_JP": {"様": 0.6, "さん": 0.3, "殿": 0.1},
}
