"""Body measures per country: adult heights and median BMI."""

# Adult height by country: (female mean, male mean) cm, sd about 7 cm.
HEIGHT = {"US": (162.5, 175.5), "DE": (165.5, 179.5), "FR": (163.5, 177.0), "JP": (158.0, 171.0)}

# Median adult body-mass index by country; other countries 26.
BMI_MEDIAN = {"US": 28.0, "DE": 25.8, "FR": 25.0, "JP": 22.8}
