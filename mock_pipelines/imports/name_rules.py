"""Generators chosen from a column's name: the rules, written once for every source.

Each rule matches a column name (a regular expression over the lower-cased name, anchored) for some kinds
of values, and says which generator fills it, with which parameters, why (the comment written beside the
column in the imported YAML) and how long its values can get (so a VARCHAR(n) that is shorter gets a
``max_length``). Rules are tried in order: the first whose pattern and kind match wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_TEXT = ("string", "unknown")


@dataclass(frozen=True)
class NameRule:
    pattern: str
    generator: str
    kinds: tuple[str, ...] = _TEXT
    params: dict[str, Any] = field(default_factory=dict)
    longest: int | None = None  # the longest value the generator writes (None: short enough for any column)
    table_hint: str | None = None  # only in tables whose name matches this pattern
    # A shorter form for a column too narrow for the values (a country in CHAR(2) is its ISO code):
    # (generator, params, longest value).
    short: tuple[str, dict[str, Any], int] | None = None

    def matches(self, column: str, kind: str, table: str) -> bool:
        if kind not in self.kinds or not re.fullmatch(self.pattern, column):
            return False
        return self.table_hint is None or re.search(self.table_hint, table) is not None


# Names are matched lower-cased; `_?` lets snake_case and run-together names both match (firstname).
RULES: tuple[NameRule, ...] = (
    NameRule(r"(.*_)?e_?mail(_address)?", "email", longest=60),
    NameRule(r"(first|given)_?name", "first_name", longest=20),
    NameRule(r"(last|family|sur)_?name", "last_name", longest=25),
    NameRule(r"(full_?name|customer_name|contact_name|person_name)", "full_name", longest=45),
    NameRule(r"(user_?name|login|handle)", "user_name", longest=30),
    NameRule(r"(.*_)?(phone|mobile|tel|telephone|fax)(_number|_no)?", "phone_number", longest=20),
    NameRule(r"(street|street_address|address|address_line_?1|addr)", "street_address", longest=45),
    NameRule(r"(address_line_?2|secondary_address|suite)", "secondary_address", longest=15),
    NameRule(r"(.*_)?city", "city", longest=30),
    NameRule(r"(state|province|region)_?(code|abbr)", "state_abbr", longest=2),
    NameRule(r"(state|province)", "state", longest=20, short=("state_abbr", {}, 2)),
    NameRule(r"(.*_)?(zip|zip_?code|postal_?code|postcode)", "zipcode", longest=10),
    NameRule(r"(country_?code|country_iso)", "country_code", longest=2),
    NameRule(r"(.*_)?country", "country", longest=60, short=("country_code", {}, 2)),
    NameRule(r"(.*_)?(latitude|lat)", "latitude", kinds=("float", "decimal")),
    NameRule(r"(.*_)?(longitude|lng|lon|long)", "longitude", kinds=("float", "decimal")),
    NameRule(r"(company|company_name|employer|organisation|organization)", "company", longest=40),
    NameRule(r"(job_?title|position|occupation)", "job_title", longest=40),
    NameRule(r"(department|dept)(_name)?", "department", longest=30),
    NameRule(r"(url|website|homepage|link)", "url", longest=60),
    NameRule(r"(domain|domain_name)", "domain_name", longest=30),
    NameRule(r"(hostname|host)", "hostname", longest=40),
    NameRule(r"(.*_)?ip(_?address|v4)?", "ipv4", kinds=("string", "unknown"), longest=15),
    NameRule(r"(.*_)?ipv6", "ipv6", longest=39),
    NameRule(r"(mac|mac_address)", "mac_address", longest=17),
    NameRule(r"user_?agent", "user_agent", longest=200),
    NameRule(r"(password|password_hash|pwd_hash|passwd)", "sha256", longest=64),
    NameRule(r"(.*_)?(md5)", "md5", longest=32),
    NameRule(r"(.*_)?(sha1)", "sha1", longest=40),
    NameRule(r"(.*_)?(sha256|hash|checksum)", "sha256", longest=64),
    NameRule(r"(sku|product_code|item_code)", "sku", longest=9),
    NameRule(r"(ean|ean_?13|barcode|gtin)", "ean13", longest=13),
    NameRule(r"(isbn|isbn_?13)", "isbn13", longest=17),
    NameRule(r"(iban)", "iban", longest=34),
    NameRule(r"(swift|bic)", "swift", longest=11),
    NameRule(r"(ssn|social_security_number)", "ssn", longest=11),
    NameRule(r"(vin)", "vin", longest=17),
    NameRule(r"(currency|currency_code)", "currency_code", longest=3),
    NameRule(r"(color|colour)(_name)?", "color_name", longest=20),
    NameRule(r"(language|lang)(_code)?", "language_name", longest=20),
    NameRule(r"(timezone|time_zone|tz)", "timezone", longest=30),
    NameRule(r"(mime_?type|content_type)", "mime_type", longest=40),
    NameRule(r"(file_?name)", "file_name", longest=40),
    NameRule(r"(file_?path|path)", "file_path", longest=80),
    NameRule(r"(ean8)", "ean8", longest=8),
    NameRule(r"(gender|sex)", "gender", longest=10),
    NameRule(r"(job|role_title)", "job_title", longest=40),
    NameRule(r"(product_?name|item_name|title)", "product_name", longest=60, table_hint=r"product|item|article"),
    NameRule(r"(category|category_name|name)", "product_category", longest=30, table_hint=r"categor"),
    NameRule(r"(name)", "product_name", longest=60, table_hint=r"product|item|article"),
    NameRule(r"(name)", "company", longest=40, table_hint=r"compan|store|shop|supplier|vendor|brand|"
             r"organi[sz]ation|merchant|bank|partner"),
    NameRule(r"(name)", "full_name", longest=45, table_hint=r"customer|user|person|people|employee|staff|"
             r"member|patient|author|contact|client|student|teacher|driver"),
    NameRule(r"(name)", "city", longest=30, table_hint=r"region|area|zone|district|territor"),
    NameRule(r"(title|subject|headline|summary)", "sentence", longest=60, params={"min_words": 3,
                                                                                  "max_words": 8}),
    NameRule(r"(description|comment|comments|notes?|body|text|content|message|reason|remarks?|bio|"
             r"review|feedback|details)", "text", longest=200),
    NameRule(r"(slug)", "slug", longest=40),
    NameRule(r"(.*_)?(tracking_?(no|number|code)|reference|ref_no|confirmation_code)", "pattern",
             params={"format": "??########"}, longest=10),
    NameRule(r"(.*_)?(coupon|promo|voucher|discount)(_?code)?", "pattern", params={"format": "???-####"},
             longest=8),
    NameRule(r"(.*_)?(quantity|qty)", "quantity", kinds=("int",)),
    NameRule(r"(age)", "integer", kinds=("int",), params={"min": 18, "max": 90}),
    NameRule(r"(.*_)?(year)", "year", kinds=("int",)),
    NameRule(r"(.*_)?(rating|stars|score)", "rating", kinds=("int",)),
    NameRule(r"(.*_)?(port)", "port", kinds=("int",)),
    NameRule(r"(http_)?status_code", "http_status_code", kinds=("int",)),
    NameRule(r"(.*_)?(price|unit_price|list_price|cost|unit_cost)", "price", kinds=("decimal", "float")),
    NameRule(r"(.*_)?(amount|total|subtotal|balance|refund|fee|revenue|salary|wage|income|payment)",
             "amount", kinds=("decimal", "float")),
    NameRule(r"(.*_)?(weight|weight_kg)", "weight_kg", kinds=("float", "decimal")),
    NameRule(r"(.*_)?(height|height_cm)", "height_cm", kinds=("float", "decimal")),
    NameRule(r"(birth_?date|date_of_birth|dob|birthday)", "date_of_birth", kinds=("date", "timestamp")),
    NameRule(r"(.*_)?(uuid|guid)", "uuid4", kinds=("string", "uuid", "unknown"), longest=36),
)


def rule_for(column: str, kind: str, table: str) -> NameRule | None:
    name = column.lower()
    return next((r for r in RULES if r.matches(name, kind, table.lower())), None)
