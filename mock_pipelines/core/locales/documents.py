"""Licence plate and passport number formats per country.

A format is written with '#' (a digit), '?' (a letter A-Z), '{name}' (one token of the list ``name`` in
``TOKENS``: a string is a list of single characters) and '{lo-hi}' (an integer in [lo, hi], zero-padded
when ``lo`` is written with leading zeros); any other character is itself. Two lists are derived by the
generator: ``fr_pair`` (two ``fr_letter`` without ``FR_BANNED_PAIRS``) and ``jp_serial`` (1-9999 as
printed on Japanese plates: ・・12, 12-34). Every format of a country is
equally likely per value it can take, so all plates of a country are equally likely.
"""

TOKENS = {
    # UK (2001 scheme): region letter, district letter, age identifier (March 02-25, September 51-75),
    # then three random letters; I and Q are never used, Z only in the random part.
    "gb_region": "ABCDEFGHKLMNOPRSVWY",
    "gb_district": "ABCDEFGHJKLMNOPRSTUVWXY",
    "gb_random": "ABCDEFGHJKLMNOPRSTUVWXYZ",
    # France (SIV, since 2009): letters without I, O and U; SS is never issued, WW only on temporary plates.
    "fr_letter": "ABCDEFGHJKLMNPQRSTVWXYZ",
    # Germany: district codes (Unterscheidungszeichen) of the larger cities and districts.
    "de_district": ("A", "AC", "B", "BI", "BN", "BO", "BS", "C", "D", "DA", "DD", "DO", "DU", "E", "EF", "ER", "ES",
                    "F", "FR", "FÜ", "GE", "GI", "H", "HA", "HB", "HD", "HH", "HL", "HN", "HRO", "IN", "J", "K",
                    "KA", "KI", "KL", "KO", "KR", "KS", "L", "LB", "LU", "M", "MA", "MD", "MG", "MH", "MS", "MZ",
                    "N", "OB", "OF", "OL", "OS", "P", "PB", "R", "RE", "RO", "RS", "S", "SB", "SN", "SO", "TR",
                    "TÜ", "UL", "W", "WI", "WOB", "WÜ"),
    # Japan: registration areas, the hiragana of private cars (お, し, へ and ん are never used).
    "jp_area": ("品川", "足立", "練馬", "多摩", "八王子", "横浜", "川崎", "湘南", "相模", "大宮", "所沢", "千葉",
                "習志野", "名古屋", "尾張小牧", "三河", "大阪", "なにわ", "和泉", "神戸", "姫路", "京都", "福岡",
                "北九州", "札幌", "仙台", "広島", "伊勢志摩"),
    "jp_kana": "あいうえかきくけこさすせそたちつてとなにぬねのはひふほまみむめもやゆよらりるろれわ",
    # German passports: the authority digit positions and serial use 0-9 and consonants only.
    "de_passport_first": "CFGHJK",
    "de_passport": "0123456789CFGHJKLMNPRTVWXYZ",
}

LICENSE_PLATES = {
    "US": ("#???###", "???-####", "???####", "### ???", "###-???", "??? ####", "???-###"),
    "GB": ("{gb_region}{gb_district}{02-25} {gb_random}{gb_random}{gb_random}",
           "{gb_region}{gb_district}{51-75} {gb_random}{gb_random}{gb_random}"),
    "FR": ("{fr_pair}-{001-999}-{fr_pair}",),
    "DE": ("{de_district}-? {1-9999}", "{de_district}-?? {1-9999}"),
    "JP": ("{jp_area} {300-399} {jp_kana} {jp_serial}", "{jp_area} {500-599} {jp_kana} {jp_serial}"),
}

# At most this many letters and digits on one plate (the district code included).
PLATE_MAX_CHARACTERS = {"DE": 8}

# Letter pairs never issued in French plates (first and last pair alike).
FR_BANNED_PAIRS = ("SS", "WW")

PASSPORT_NUMBERS = {
    "US": ("?########", "#########"),  # next-generation: a letter and 8 digits; older books: 9 digits
    "GB": ("#########",),
    "DE": ("{de_passport_first}{de_passport}{de_passport}{de_passport}{de_passport}{de_passport}{de_passport}"
           "{de_passport}{de_passport}",),
    "FR": ("##??#####",),
    "JP": ("??#######",),
}
