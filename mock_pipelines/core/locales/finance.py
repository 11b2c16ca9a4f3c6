"""Home currency per country."""

# ISO 4217 currency of each country (ISO alpha-2); other countries get USD.
HOME_CURRENCY = {"US": "USD", "DE": "EUR", "FR": "EUR", "JP": "JPY", "GB": "GBP", "AT": "EUR", "CH": "CHF",
                 "ES": "EUR", "IT": "EUR", "NL": "EUR", "CA": "CAD", "AU": "AUD", "CN": "CNY", "IN": "INR",
                 "BR": "BRL", "MX": "MXN", "KR": "KRW", "SE": "SEK", "PL": "PLN", "RU": "RUB"}
