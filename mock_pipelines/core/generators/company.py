"""Companies: names in the locale's legal forms, suffixes, slogans, departments, industries and US EINs.

Company names render Faker's locale formats ("{{last_name}} {{company_suffix}}", "株式会社{{last_name}}
{{company_category}}", …) column-wise from the locale's surname vocabulary.
"""

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts
from mock_pipelines.core.generators.person import last_names
from mock_pipelines.core.generators.templating import Coded, coded, counted, render, usable_formats
from mock_pipelines.core.locales.company import DEPARTMENTS
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import FAKER, faker_attr, source, vocabulary

_COUNTED = ("mock_pipelines.core.generators.templating",)  # counted() weighs Faker's lists


@source("company.suffix", packages=FAKER, modules=_COUNTED)
def _suffixes(locale: str) -> dict[str, float]:
    return counted(faker_attr("company", locale, "company_suffixes"))


@source("company.prefix", packages=FAKER, modules=_COUNTED)
def _prefixes(locale: str) -> dict[str, float]:
    return counted(faker_attr("company", locale, "company_prefixes"))


@source("company.category", packages=FAKER, modules=_COUNTED)
def _categories(locale: str) -> dict[str, float]:
    return counted(faker_attr("company", locale, "company_categories"))


for _i in range(3):
    source(f"company.catch_phrase.{_i}", packages=FAKER, modules=_COUNTED)(
        lambda loc, i=_i: counted(faker_attr("company", loc, "catch_phrase_words")[i]))
    source(f"company.bs.{_i}", packages=FAKER, modules=_COUNTED)(lambda loc, i=_i: counted(faker_attr("company", loc, "bsWords")[i]))
for _attr in ("nouns", "verbs", "attributes"):
    source(f"company.fr_{_attr}", packages=FAKER, modules=_COUNTED)(lambda loc, a=_attr: counted(faker_attr("company", loc, a)))


def _company_field(ctx: GenContext, name: str, k: int) -> Coded:
    stream = 10 + 4 * k
    if name == "last_name":
        return coded(last_names(ctx.locale), ctx, stream)
    if name == "company_suffix":
        return coded(vocabulary("company.suffix", ctx.locale), ctx, stream + 1)
    if name == "company_prefix":
        return coded(vocabulary("company.prefix", ctx.locale), ctx, stream + 2)
    if name == "company_category":
        return coded(vocabulary("company.category", ctx.locale), ctx, stream + 3)
    raise KeyError(f"unsupported company format field {name!r}")


@generator("company", category="company", returns="string", example="Johnson, Miller and Wong",
           aliases=("company_name", "employer"),
           facts=NO_FACTS)
def company(ctx: GenContext) -> pa.Array:
    """Company name in the locale's styles and legal forms (Smith LLC, Müller GmbH, Martin SARL)."""
    formats = usable_formats(faker_attr("company", ctx.locale, "formats"),
                             {"last_name", "company_suffix", "company_prefix", "company_category"},
                             faker_attr("company", "en_US", "formats"))
    return render(ctx, formats, lambda name, k: _company_field(ctx, name, k), stream=1)


@generator("company_suffix", category="company", returns="string", example="LLC",
           aliases=("legal_form",),
           facts=NO_FACTS)
def company_suffix(ctx: GenContext) -> pa.Array:
    """Legal-form suffix of the locale (Inc, LLC, GmbH, AG, SARL; ja_JP: 株式会社…)."""
    name = "company.prefix" if ctx.locale == "ja_JP" else "company.suffix"
    return vocabulary(name, ctx.locale).sample(ctx)


@generator("catch_phrase", category="company", returns="string",
           example="Configurable multi-tasking knowledge user", aliases=("slogan",),
           facts=NO_FACTS)
def catch_phrase(ctx: GenContext) -> pa.Array:
    """Marketing slogan (English word lists; fr_FR has its own phrases)."""
    try:
        formats = faker_attr("company", ctx.locale, "catch_phrase_formats", fallback_locale=ctx.locale)
    except AttributeError:
        formats = None
    if formats:
        def field(name: str, _k: int) -> Coded:
            attr = {"catch_phrase_noun": "nouns", "catch_phrase_verb": "verbs",
                    "catch_phrase_attribute": "attributes"}[name]
            return coded(vocabulary(f"company.fr_{attr}", ctx.locale), ctx, 10 + len(attr))

        return render(ctx, formats, field, stream=1)
    return strings.concat([vocabulary(f"company.catch_phrase.{i}", ctx.locale).sample(ctx, i) for i in range(3)],
                          sep=" ")


@generator("bs", category="company", returns="string", example="streamline scalable synergies",
           aliases=("business_buzzwords",),
           facts=NO_FACTS)
def bs(ctx: GenContext) -> pa.Array:
    """Business buzzword phrase: verb, adjective, noun (English)."""
    return strings.concat([vocabulary(f"company.bs.{i}", ctx.locale).sample(ctx, i) for i in range(3)], sep=" ")


@source("company.department")
def _departments(locale: str) -> Sequence[str]:
    return DEPARTMENTS.get(locale, DEPARTMENTS["en_US"])


@generator("department", category="company", returns="string", example="Marketing", supports_unique=True,
           capacity=lambda _p, loc: len(vocabulary("company.department", loc)),
           facts=NO_FACTS)
def department(ctx: GenContext) -> pa.Array:
    """Department of a company, in the locale's language."""
    vocab = vocabulary("company.department", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


_INDUSTRIES = (
    "Agriculture", "Mining", "Utilities", "Construction", "Manufacturing", "Wholesale Trade", "Retail Trade",
    "Transportation and Warehousing", "Information Technology", "Telecommunications", "Banking",
    "Insurance", "Real Estate", "Professional Services", "Consulting", "Education", "Health Care",
    "Pharmaceuticals", "Biotechnology", "Arts and Entertainment", "Hospitality", "Food and Beverage",
    "Automotive", "Aerospace and Defense", "Energy", "Media and Publishing", "Logistics", "Software",
    "E-commerce", "Government", "Non-profit", "Chemicals", "Textiles and Apparel", "Tourism",
)


@source("company.industry")
def _industries(_locale: str) -> Sequence[str]:
    return _INDUSTRIES


@generator("industry", category="company", returns="string", example="Manufacturing", supports_unique=True,
           capacity=lambda _p, loc: len(vocabulary("company.industry", loc)),
           facts=NO_FACTS)
def industry(ctx: GenContext) -> pa.Array:
    """Industry / sector of a business (English, NAICS-like sectors)."""
    vocab = vocabulary("company.industry", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


# IRS-assigned EIN prefixes (campus codes), as in Faker's en_US ssn provider.
_EIN_PREFIXES = np.array([
    1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33, 34, 35, 36,
    37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
    64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 92, 93, 94,
    95, 98, 99,
])


@generator("ein", category="company", returns="string", example="12-3456789",
           aliases=("employer_identification_number", "tax_id"), supports_unique=True,
           capacity=lambda _p, _l: len(_EIN_PREFIXES) * 10**7,
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{2}-[0-9]{7}$"))
def ein(ctx: GenContext) -> pa.Array:
    """US Employer Identification Number ##-####### with a valid IRS prefix (any locale)."""
    space = len(_EIN_PREFIXES) * 10**7
    v = ctx.unique_index(space) if ctx.unique else ctx.integers(space)
    prefix = strings.int_to_str(_EIN_PREFIXES[v // 10**7], width=2)
    return strings.concat([prefix, "-", strings.int_to_str(v % 10**7, width=7)])
