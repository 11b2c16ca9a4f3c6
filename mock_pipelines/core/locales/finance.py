"""Home currency per country and the symbol of each currency."""

# ISO 4217 currency of each country (ISO alpha-2); other countries get USD.
HOME_CURRENCY = {"US": "USD", "DE": "EUR", "FR": "EUR", "JP": "JPY", "GB": "GBP", "AT": "EUR", "CH": "CHF",
                 "ES": "EUR", "IT": "EUR", "NL": "EUR", "CA": "CAD", "AU": "AUD", "CN": "CNY", "IN": "INR",
                 "BR": "BRL", "MX": "MXN", "KR": "KRW", "SE": "SEK", "PL": "PLN", "RU": "RUB"}

# The sign written before or after an amount, per ISO 4217 code (¤, the generic sign, for any other code).
CURRENCY_SYMBOLS = {
    "AED": ".د.إ", "AFN": "؋", "ALL": "Lek", "AMD": "֏", "AOA": "Kz", "ARS": "$", "AUD": "$", "AWG": "ƒ",
    "AZN": "₼", "BAM": "KM", "BBD": "$", "BDT": "৳", "BHD": ".د.ب", "BIF": "Fr", "BMD": "$", "BND": "$",
    "BOB": "$", "BRL": "R$", "BSD": "$", "BTN": "Nu", "BWP": "P", "BYN": "Br", "BZD": "$", "CAD": "$", "CDF": "Fr",
    "CHF": "CHF", "CLP": "$", "CNY": "¥", "COP": "$", "CRC": "₡", "CUC": "$", "CUP": "$", "CVE": "$", "CZK": "Kč",
    "DJF": "Fr", "DKK": "kr", "DOP": "$", "DZD": "دج", "EGP": "£", "ERN": "Nfk", "ETB": "Br", "EUR": "€",
    "FJD": "$", "FKP": "£", "GBP": "£", "GEL": "₾", "GGP": "£", "GHS": "₵", "GIP": "£", "GMD": "D", "GNF": "FG",
    "GTQ": "Q", "GYD": "$", "HKD": "HK$", "HNL": "L", "HTG": "G", "HUF": "Ft", "IDR": "Rp", "ILS": "₪", "IMP": "£",
    "INR": "₹", "IQD": "ع.د", "IRR": "﷼", "ISK": "kr", "JEP": "£", "JMD": "$", "JOD": "JD", "JPY": "¥",
    "KES": "KSh", "KGS": "⃀", "KHR": "៛", "KMF": "FC", "KPW": "₩", "KRW": "₩", "KWD": "KD", "KYD": "$", "KZT": "₸",
    "LAK": "₭", "LBP": "£", "LKR": "₨", "LRD": "$", "LSL": "M", "LYD": "LD", "MAD": "Dhs", "MDL": "leu",
    "MGA": "Ar", "MKD": "DEN", "MMK": "Ks", "MNT": "₮", "MOP": "$", "MRU": "UM", "MUR": "₨", "MVR": "Rf",
    "MWK": "K", "MXN": "$", "MYR": "RM", "MZN": "Mt", "NAD": "$", "NGN": "₦", "NIO": "$", "NIS": "₪", "NOK": "kr",
    "NPR": "₨", "NZD": "$", "OMR": "﷼", "PAB": "B/.", "PEN": "S/", "PGK": "K", "PHP": "₱", "PKR": "₨", "PLN": "zł",
    "PYG": "₲", "QAR": "﷼", "RON": "leu", "RSD": "дин", "RUB": "₽", "RWF": "F", "SAR": "﷼", "SBD": "$", "SCR": "₨",
    "SDG": "£", "SEK": "kr", "SGD": "$", "SHP": "£", "SLE": "Le", "SOS": "Sh.So.", "SPL": "L", "SRD": "$",
    "SSP": "£", "STN": "Db", "SVC": "₡", "SYP": "£", "SZL": "E", "THB": "฿", "TJS": "SM", "TMT": "m", "TND": "DT",
    "TOP": "T$", "TRY": "₺", "TTD": "$", "TVD": "$", "TWD": "$", "TZS": "Tsh", "UAH": "₴", "UGX": "USh",
    "USD": "$", "UYU": "$", "UZS": "soʻm", "VES": "Bs", "VND": "₫", "VUV": "VT", "WST": "$", "XAF": "Fr",
    "XCD": "$", "XCG": "Cg", "XDR": "SDR", "XOF": "Fr", "XPF": "Fr", "YER": "﷼", "ZAR": "R", "ZMW": "K",
    "ZWG": "ZiG",
}

# Widely held cryptocurrencies (ticker, name), in rough order of market value: the first are the most common.
CRYPTOCURRENCIES = (
    ("BTC", "Bitcoin"), ("ETH", "Ethereum"), ("USDT", "Tether"), ("XRP", "XRP"), ("BNB", "BNB"),
    ("SOL", "Solana"), ("USDC", "USD Coin"), ("DOGE", "Dogecoin"), ("ADA", "Cardano"), ("TRX", "TRON"),
    ("AVAX", "Avalanche"), ("LINK", "Chainlink"), ("DOT", "Polkadot"), ("LTC", "Litecoin"),
    ("BCH", "Bitcoin Cash"), ("XLM", "Stellar"), ("XMR", "Monero"), ("ETC", "Ethereum Classic"),
    ("ATOM", "Cosmos"), ("DAI", "Dai"), ("UNI", "Uniswap"), ("FIL", "Filecoin"), ("ALGO", "Algorand"),
    ("XTZ", "Tezos"), ("ZEC", "Zcash"), ("DASH", "Dash"), ("EOS", "EOS"), ("NEO", "NEO"), ("IOTA", "IOTA"),
    ("POL", "Polygon"),
)
