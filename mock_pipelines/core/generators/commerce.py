"""Retail and e-commerce: product names, categories, prices, SKUs, EAN-13, EAN-8, UPC-A and UPC-E barcodes, colours (names,
hex and RGB codes), materials, quantities and ratings.

Word lists are kept per language in ``_LEXICON`` (en, de, fr, ja); German and French product names
inflect the adjective for the noun's gender, vectorised by indexing a pre-inflected table.
"""

from functools import lru_cache
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Categorical, Facts, Poisson, scheme
from mock_pipelines.core.generators.finance import amount_model, bounded_lognormal, country_of
from mock_pipelines.core.generators.identifiers import (
    digit_matrix,
    fill_pattern,
    gtin_check_digit,
    hex16,
    int_digits,
    pattern_capacity,
    pattern_regex,
)
from mock_pipelines.core.generators.numeric import poisson_from_uniform
from mock_pipelines.core.locales.commerce import GS1_PREFIXES
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import source, vocabulary

# ---- locale data ------------------------------------------------------------------------------------------

_LEXICON: dict[str, dict[str, list]] = {
    "en": {
        "adjectives": ["Ergonomic", "Rustic", "Sleek", "Handcrafted", "Modern", "Vintage", "Compact", "Premium",
                       "Lightweight", "Durable", "Elegant", "Practical", "Classic", "Smart", "Organic",
                       "Recycled", "Portable", "Deluxe", "Minimalist", "Heavy-Duty", "Soft", "Waterproof",
                       "Wireless", "Foldable", "Insulated"],
        "materials": ["Steel", "Wooden", "Cotton", "Leather", "Bamboo", "Ceramic", "Glass", "Granite", "Rubber",
                      "Plastic", "Aluminum", "Wool", "Linen", "Marble", "Copper", "Silicone", "Concrete", "Oak",
                      "Walnut", "Titanium"],
        "products": ["Chair", "Table", "Lamp", "Backpack", "Mug", "Bottle", "Keyboard", "Headphones", "Wallet",
                     "Watch", "Jacket", "Pillow", "Blanket", "Knife", "Pan", "Speaker", "Notebook", "Pen", "Bag",
                     "Desk", "Shelf", "Vase", "Plate", "Bowl", "Towel", "Hat", "Scarf", "Sunglasses", "Armchair",
                     "Teapot"],
        "colors": ["Black", "White", "Gray", "Silver", "Red", "Blue", "Navy", "Green", "Olive", "Yellow", "Orange",
                   "Pink", "Purple", "Brown", "Beige", "Ivory", "Teal", "Turquoise", "Maroon", "Gold", "Coral",
                   "Lavender", "Mint", "Charcoal", "Burgundy", "Cream", "Tan", "Sky Blue", "Forest Green",
                   "Rose"],
        "categories": ["Electronics", "Home & Kitchen", "Clothing", "Shoes", "Beauty", "Health & Household",
                       "Toys & Games", "Sports & Outdoors", "Books", "Grocery", "Garden", "Automotive", "Jewelry",
                       "Office Supplies", "Pet Supplies", "Baby", "Music", "Movies & TV", "Tools",
                       "Furniture"],
    },
    "de": {
        # Adjective stems take the strong ending of the noun's gender: -er (m), -e (f), -es (n).
        "adjectives": ["Ergonomisch", "Rustikal", "Elegant", "Modern", "Klassisch", "Kompakt", "Praktisch",
                       "Robust", "Leicht", "Handgefertigt", "Hochwertig", "Nachhaltig", "Tragbar",
                       "Wasserdicht", "Kabellos", "Weich", "Stilvoll", "Minimalistisch", "Faltbar", "Isoliert"],
        "materials": ["Holz", "Stahl", "Baumwolle", "Leder", "Bambus", "Keramik", "Glas", "Granit", "Gummi",
                      "Kunststoff", "Aluminium", "Wolle", "Leinen", "Marmor", "Kupfer", "Silikon", "Beton",
                      "Eiche", "Walnuss", "Titan"],
        "products": [("Stuhl", "m"), ("Tisch", "m"), ("Lampe", "f"), ("Rucksack", "m"), ("Becher", "m"),
                     ("Flasche", "f"), ("Tastatur", "f"), ("Kopfhörer", "m"), ("Geldbörse", "f"), ("Uhr", "f"),
                     ("Jacke", "f"), ("Kissen", "n"), ("Decke", "f"), ("Messer", "n"), ("Pfanne", "f"),
                     ("Lautsprecher", "m"), ("Notizbuch", "n"), ("Stift", "m"), ("Tasche", "f"),
                     ("Schreibtisch", "m"), ("Regal", "n"), ("Vase", "f"), ("Teller", "m"), ("Schüssel", "f"),
                     ("Handtuch", "n"), ("Hut", "m"), ("Schal", "m"), ("Sessel", "m"), ("Teekanne", "f")],
        "colors": ["Schwarz", "Weiß", "Grau", "Silber", "Rot", "Blau", "Marineblau", "Grün", "Oliv", "Gelb",
                   "Orange", "Rosa", "Lila", "Braun", "Beige", "Elfenbein", "Petrol", "Türkis", "Bordeaux",
                   "Gold", "Koralle", "Lavendel", "Mint", "Anthrazit", "Creme", "Himmelblau", "Dunkelgrün"],
        "categories": ["Elektronik", "Küche & Haushalt", "Bekleidung", "Schuhe", "Beauty", "Drogerie",
                       "Spielzeug", "Sport & Freizeit", "Bücher", "Lebensmittel", "Garten", "Auto & Motorrad",
                       "Schmuck", "Bürobedarf", "Haustierbedarf", "Baby", "Musik", "Filme & Serien",
                       "Baumarkt", "Möbel"],
    },
    "fr": {
        # Adjectives as (masculine, feminine), placed after the noun.
        "adjectives": [("ergonomique", "ergonomique"), ("rustique", "rustique"), ("élégant", "élégante"),
                       ("moderne", "moderne"), ("classique", "classique"), ("compact", "compacte"),
                       ("pratique", "pratique"), ("robuste", "robuste"), ("léger", "légère"),
                       ("artisanal", "artisanale"), ("haut de gamme", "haut de gamme"), ("durable", "durable"),
                       ("portable", "portable"), ("imperméable", "imperméable"), ("sans fil", "sans fil"),
                       ("doux", "douce"), ("luxueux", "luxueuse"), ("minimaliste", "minimaliste"),
                       ("vintage", "vintage"), ("recyclé", "recyclée")],
        "materials": ["bois", "acier", "coton", "cuir", "bambou", "céramique", "verre", "granit", "caoutchouc",
                      "plastique", "aluminium", "laine", "lin", "marbre", "cuivre", "silicone", "béton", "chêne",
                      "noyer", "titane"],
        "products": [("Chaise", "f"), ("Table", "f"), ("Lampe", "f"), ("Sac à dos", "m"), ("Tasse", "f"),
                     ("Bouteille", "f"), ("Clavier", "m"), ("Casque", "m"), ("Portefeuille", "m"),
                     ("Montre", "f"), ("Veste", "f"), ("Coussin", "m"), ("Couverture", "f"), ("Couteau", "m"),
                     ("Poêle", "f"), ("Enceinte", "f"), ("Carnet", "m"), ("Stylo", "m"), ("Sac", "m"),
                     ("Bureau", "m"), ("Étagère", "f"), ("Vase", "m"), ("Assiette", "f"), ("Bol", "m"),
                     ("Serviette", "f"), ("Chapeau", "m"), ("Écharpe", "f"), ("Fauteuil", "m"),
                     ("Théière", "f")],
        "colors": ["Noir", "Blanc", "Gris", "Argent", "Rouge", "Bleu", "Bleu marine", "Vert", "Kaki", "Jaune",
                   "Orange", "Rose", "Violet", "Marron", "Beige", "Ivoire", "Bleu canard", "Turquoise",
                   "Bordeaux", "Doré", "Corail", "Lavande", "Menthe", "Anthracite", "Crème", "Bleu ciel",
                   "Vert forêt"],
        "categories": ["High-Tech", "Cuisine & Maison", "Vêtements", "Chaussures", "Beauté", "Hygiène & Santé",
                       "Jeux & Jouets", "Sports & Loisirs", "Livres", "Épicerie", "Jardin", "Auto & Moto",
                       "Bijoux", "Fournitures de bureau", "Animalerie", "Bébé", "Musique", "Films & Séries",
                       "Bricolage", "Meubles"],
    },
    "ja": {
        "adjectives": ["軽量", "高級", "手作りの", "おしゃれな", "頑丈な", "コンパクトな", "エレガントな", "モダンな",
                       "クラシックな", "便利な", "ミニマルな", "防水", "ワイヤレス", "柔らかい", "ヴィンテージ",
                       "プレミアム", "エコな", "折りたたみ式", "携帯用", "人間工学デザインの"],
        "materials": ["木製", "スチール製", "コットン", "革製", "竹製", "陶器の", "ガラス製", "御影石の", "ゴム製",
                      "プラスチック製", "アルミ製", "ウール", "リネン", "大理石の", "銅製", "シリコン製",
                      "コンクリート製", "オーク材の", "ウォールナット材の", "チタン製"],
        "products": ["チェア", "テーブル", "ランプ", "リュック", "マグカップ", "ボトル", "キーボード", "ヘッドホン",
                     "財布", "腕時計", "ジャケット", "クッション", "ブランケット", "包丁", "フライパン",
                     "スピーカー", "ノート", "ペン", "バッグ", "デスク", "棚", "花瓶", "皿", "ボウル", "タオル",
                     "帽子", "マフラー", "サングラス", "ソファ", "ティーポット"],
        "colors": ["黒", "白", "グレー", "シルバー", "赤", "青", "ネイビー", "緑", "オリーブ", "黄色", "オレンジ",
                   "ピンク", "紫", "茶色", "ベージュ", "アイボリー", "ターコイズ", "ワインレッド", "ゴールド",
                   "コーラル", "ラベンダー", "ミント", "チャコール", "クリーム", "水色", "深緑"],
        "categories": ["家電・カメラ", "ホーム＆キッチン", "ファッション", "シューズ", "ビューティー",
                       "ドラッグストア", "おもちゃ", "スポーツ＆アウトドア", "本", "食品・飲料", "ガーデン",
                       "カー用品", "ジュエリー", "文房具・オフィス用品", "ペット用品", "ベビー", "ミュージック",
                       "DVD", "DIY・工具", "家具"],
    },
}
# Materials as a product attribute (the product-name lists hold the adjectival forms in en/ja).
_MATERIAL_NOUNS = {
    "en": ["Steel", "Wood", "Cotton", "Leather", "Bamboo", "Ceramic", "Glass", "Granite", "Rubber", "Plastic",
           "Aluminum", "Wool", "Linen", "Marble", "Copper", "Silicone", "Concrete", "Oak", "Walnut", "Titanium"],
    "ja": ["スチール", "木材", "コットン", "革", "竹", "陶器", "ガラス", "御影石", "ゴム", "プラスチック", "アルミ",
           "ウール", "リネン", "大理石", "銅", "シリコン", "コンクリート", "オーク", "ウォールナット", "チタン"],
}


def _lang(locale: str) -> str:
    lang = locale.split("_")[0]
    return lang if lang in _LEXICON else "en"


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx, type=pa.int64()))


# ---- vocabularies -----------------------------------------------------------------------------------------

@source("commerce.colors")
def _colors(locale: str) -> list[str]:
    return _LEXICON[_lang(locale)]["colors"]


@source("commerce.materials")
def _materials(locale: str) -> list[str]:
    lang = _lang(locale)
    return _MATERIAL_NOUNS.get(lang, [m.capitalize() for m in _LEXICON[lang]["materials"]])


@source("commerce.categories")
def _categories(locale: str) -> list[str]:
    return _LEXICON[_lang(locale)]["categories"]


@lru_cache(maxsize=16)
def _name_parts(lang: str) -> tuple[pa.Array, pa.Array, pa.Array, np.ndarray, int]:
    """(inflected adjectives, materials, products, product → inflection column, columns per adjective)."""
    lex = _LEXICON[lang]
    if lang == "de":
        endings = {"m": "er", "f": "e", "n": "es"}
        adjectives = [f"{stem}{endings[g]} " for stem in lex["adjectives"] for g in "mfn"]
        column = np.array(["mfn".index(g) for _, g in lex["products"]])
        return (pa.array(adjectives), pa.array([f" aus {m}" for m in lex["materials"]]),
                pa.array([p for p, _ in lex["products"]]), column, 3)
    if lang == "fr":
        adjectives = [f" {form}" for pair in lex["adjectives"] for form in pair]
        column = np.array(["mf".index(g) for _, g in lex["products"]])
        return (pa.array(adjectives), pa.array([f" en {m}" for m in lex["materials"]]),
                pa.array([p for p, _ in lex["products"]]), column, 2)
    sep = "" if lang == "ja" else " "
    products = lex["products"]
    return (pa.array([a + sep for a in lex["adjectives"]]), pa.array([m + sep for m in lex["materials"]]),
            pa.array(products), np.zeros(len(products), dtype=np.int64), 1)


# ---- generators -------------------------------------------------------------------------------------------

@generator("product_name", category="commerce", returns="string", example="Ergonomic Steel Chair",
           aliases=("product",),
           facts=NO_FACTS)
def product_name(ctx: GenContext) -> pa.Array:
    """Product names: adjective + material + product, grammatical in en/de/fr/ja."""
    lang = _lang(ctx.locale)
    adjectives, materials, products, column, forms = _name_parts(lang)
    a = ctx.integers(len(adjectives) // forms, 0)
    m = ctx.integers(len(materials), 1)
    p = ctx.integers(len(products), 2)
    adj = _take(adjectives, a * forms + column[p])
    mat, prod = _take(materials, m), _take(products, p)
    if lang == "de":  # "Ergonomischer Stuhl aus Holz"
        return pc.binary_join_element_wise(adj, prod, mat, "")
    if lang == "fr":  # "Chaise ergonomique en bois"
        return pc.binary_join_element_wise(prod, adj, mat, "")
    return pc.binary_join_element_wise(adj, mat, prod, "")


@generator("product_category", category="commerce", returns="string", example="Home & Kitchen",
           supports_unique=True,
           capacity=lambda _p, locale: len(_LEXICON[_lang(locale)]["categories"]),
           facts=NO_FACTS)
def product_category(ctx: GenContext) -> pa.Array:
    """Retail departments / product categories in the locale's language."""
    vocab = vocabulary("commerce.categories", ctx.locale)
    return vocab.unique_sample(ctx) if ctx.unique else vocab.sample(ctx)


@generator("color_name", category="commerce", returns="string", example="Navy", aliases=("color", "colour"),
           facts=NO_FACTS)
def color_name(ctx: GenContext) -> pa.Array:
    """Colour names as shown on product pages, in the locale's language."""
    return vocabulary("commerce.colors", ctx.locale).sample(ctx)


@generator("material", category="commerce", returns="string", example="Leather",
           facts=NO_FACTS)
def material(ctx: GenContext) -> pa.Array:
    """Product materials (wood, steel, cotton, ...) in the locale's language."""
    return vocabulary("commerce.materials", ctx.locale).sample(ctx)


@generator("price", category="commerce", returns="decimal", example="24.99",
           facts=Facts(range=lambda p: (p["min"], p["max"]), model=amount_model))
def price(ctx: GenContext, *, min: float = 0.99, max: float = 999.99,
          distribution: Literal["lognormal", "uniform"] = "lognormal", median: float | None = None,
          charm: bool = False) -> pa.Array:
    """Prices in [min, max] rounded to cents; right-skewed by default; charm=true ends them in .99."""
    if max < min:
        raise ValueError("price: max must be >= min")
    u = ctx.uniform()
    values = min + (max - min) * u if distribution == "uniform" else bounded_lognormal(u, min, max, median)
    values = np.round(values, 2)
    if charm:
        charmed = np.floor(values) + 0.99
        values = np.where((charmed >= min) & (charmed <= max), charmed, values)
    return pa.array(np.clip(values, min, max), type=pa.float64())


@generator("sku", category="commerce", returns="string", example="KX-482193", aliases=("stock_code",),
           supports_unique=True, capacity=lambda p, _l: pattern_capacity(str(p.get("format", "??-######"))),
           facts=Facts(regex=lambda p, _l: pattern_regex(str(p["format"]))))
def sku(ctx: GenContext, *, format: str = "??-######") -> pa.Array:
    """Stock-keeping units from a pattern ('#' digit, '?' letter, '*' either); unique=true for a catalogue."""
    return fill_pattern(ctx, format)


def _gs1_prefixes(locale: str) -> np.ndarray:
    return np.array(GS1_PREFIXES.get(country_of(locale), list(range(1000))), dtype=np.int64)


@generator("ean13", category="commerce", returns="string", example="4006381333931",
           aliases=("barcode", "ean", "gtin13"), supports_unique=True,
           capacity=lambda _p, locale: len(_gs1_prefixes(locale)) * 10**9,
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{13}$", checksum=scheme("gs1")))
def ean13(ctx: GenContext) -> pa.Array:
    """EAN-13 barcodes with the locale's GS1 country prefix and a valid check digit."""
    return _prefixed_gtin(ctx, _gs1_prefixes(ctx.locale), 9)


def _prefixed_gtin(ctx: GenContext, prefixes: np.ndarray, body: int) -> pa.Array:
    """A 3-digit GS1 prefix, ``body`` item digits (a bijection of the row in unique mode) and the check digit."""
    if ctx.unique:
        idx = ctx.unique_index(len(prefixes) * 10**body)
        prefix, item = prefixes[idx // 10**body], int_digits(idx % 10**body, body)
    else:
        prefix, item = prefixes[ctx.integers(len(prefixes), 0)], digit_matrix(ctx, body, 1)
    digits = np.empty((len(ctx), body + 4), dtype=np.uint8)
    digits[:, 0:3] = int_digits(prefix, 3)
    digits[:, 3:3 + body] = item
    digits[:, -1] = gtin_check_digit(digits[:, :-1])
    return strings.from_bytes_matrix(48 + digits)


# EAN-8 numbers open with a GS1 prefix too; those starting 0 or 2 are for restricted circulation (store
# codes, weighed goods) and 977-979 for periodicals and books, so a locale's trade items never use them.
def _ean8_prefixes(locale: str) -> np.ndarray:
    prefixes = _gs1_prefixes(locale)
    keep = (prefixes // 100 != 0) & (prefixes // 100 != 2) & ~np.isin(prefixes, [977, 978, 979])
    return prefixes[keep] if keep.any() else np.arange(300, 380, dtype=np.int64)


@generator("ean8", category="commerce", returns="string", example="40170725",
           aliases=("gtin8",), supports_unique=True,
           capacity=lambda _p, locale: len(_ean8_prefixes(locale)) * 10**4,
           facts=Facts(regex=lambda _p, _l: r"^[13-9][0-9]{7}$", checksum=scheme("gs1")))
def ean8(ctx: GenContext) -> pa.Array:
    """EAN-8 barcodes for small packs: the locale's GS1 prefix, 4 item digits and a valid check digit."""
    return _prefixed_gtin(ctx, _ean8_prefixes(ctx.locale), 4)


# UPC-A number systems of ordinary trade items (2: weighed goods, 3: drugs, 4: in-store, 5: coupons).
_UPC_SYSTEMS = np.array([0, 1, 6, 7, 8], dtype=np.int64)


@generator("upc_a", category="commerce", returns="string", example="036000291452", aliases=("upc",),
           supports_unique=True, capacity=lambda _p, _l: len(_UPC_SYSTEMS) * 10**10,
           facts=Facts(regex=lambda _p, _l: r"^[01678][0-9]{11}$", checksum=scheme("gs1")))
def upc_a(ctx: GenContext) -> pa.Array:
    """UPC-A barcodes (North America): number system 0, 1, 6, 7 or 8, 10 digits and the GS1 check digit."""
    if ctx.unique:
        idx = ctx.unique_index(len(_UPC_SYSTEMS) * 10**10)
        system, body = _UPC_SYSTEMS[idx // 10**10], int_digits(idx % 10**10, 10)
    else:
        system, body = _UPC_SYSTEMS[ctx.integers(len(_UPC_SYSTEMS), 0)], digit_matrix(ctx, 10, 1)
    digits = np.empty((len(ctx), 12), dtype=np.uint8)
    digits[:, 0] = system
    digits[:, 1:11] = body
    digits[:, 11] = gtin_check_digit(digits[:, :11])
    return strings.from_bytes_matrix(48 + digits)


def upc_e_expand(digits: np.ndarray) -> np.ndarray:
    """The 11-digit UPC-A payload of (n, 7) UPC-E digits (number system + 6), by the zero-suppression rules
    that the last digit selects."""
    ns, d = digits[:, 0], digits[:, 1:7]
    last = d[:, 5]
    out = np.zeros((len(digits), 11), dtype=np.uint8)
    out[:, 0] = ns
    out[:, 1:3] = d[:, 0:2]
    low = last <= 2  # manufacturer d1 d2 d6 00, item 00 d3 d4 d5
    out[low, 3] = last[low]
    out[low, 8:11] = d[low, 2:5]
    three = last == 3  # d1 d2 d3 00, item 000 d4 d5
    out[three, 3] = d[three, 2]
    out[three, 9:11] = d[three, 3:5]
    four = last == 4  # d1 d2 d3 d4 0, item 0000 d5
    out[four, 3:5] = d[four, 2:4]
    out[four, 10] = d[four, 4]
    high = last >= 5  # d1 d2 d3 d4 d5, item 0000 d6
    out[high, 3:6] = d[high, 2:5]
    out[high, 10] = last[high]
    return out


@generator("upc_e", category="commerce", returns="string", example="04252614", supports_unique=True,
           capacity=lambda _p, _l: 2 * 10**6, facts=Facts(regex=lambda _p, _l: r"^[01][0-9]{7}$"))
def upc_e(ctx: GenContext) -> pa.Array:
    """Zero-suppressed UPC-E barcodes for small packs: number system 0 or 1, 6 digits, the UPC-A check digit."""
    idx = ctx.unique_index(2 * 10**6) if ctx.unique else ctx.integers(2 * 10**6, 0)
    digits = np.empty((len(ctx), 8), dtype=np.uint8)
    digits[:, 0:7] = int_digits(idx, 7)
    digits[:, 7] = gtin_check_digit(upc_e_expand(digits[:, 0:7]))
    return strings.from_bytes_matrix(48 + digits)


def _rgb(ctx: GenContext) -> np.ndarray:
    """24-bit colours: a keyed bijection of the row index with unique=true, else uniform."""
    return ctx.unique_index(2**24) if ctx.unique else ctx.integers(2**24, 3)


@generator("hex_color", category="commerce", returns="string", example="#1f6feb", aliases=("hex_colour",),
           supports_unique=True, capacity=lambda _p, _l: 2**24,
           facts=Facts(regex=lambda p, _l: "^#[0-9A-F]{6}$" if p["upper"] else "^#[0-9a-f]{6}$"))
def hex_color(ctx: GenContext, *, upper: bool = False) -> pa.Array:
    """Web colours '#rrggbb' (any of the 16.7 million; unique=true gives distinct colours)."""
    out = np.empty((len(ctx), 7), dtype=np.uint8)
    out[:, 0] = ord("#")
    out[:, 1:] = hex16(_rgb(ctx).astype(np.uint64), upper)[:, 10:]
    return strings.from_bytes_matrix(out)


_BYTE = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"


@lru_cache(maxsize=1)
def _byte_text() -> pa.Array:
    # built on first use: pyarrow imports pandas on its first pa.array call, which loading the catalogue must not
    return pa.array([str(i) for i in range(256)], type=pa.string())


@generator("rgb_color", category="commerce", returns="string", example="31,111,235", aliases=("rgb_colour",),
           supports_unique=True, capacity=lambda _p, _l: 2**24,
           facts=Facts(regex=lambda p, _l: rf"^rgb\({_BYTE}, {_BYTE}, {_BYTE}\)$" if p["css"]
                       else f"^{_BYTE},{_BYTE},{_BYTE}$"))
def rgb_color(ctx: GenContext, *, css: bool = False) -> pa.Array:
    """RGB colour triples '31,111,235', or with css=true 'rgb(31, 111, 235)' (same colours as hex_color)."""
    value = _rgb(ctx)
    red, green, blue = (strings.take(_byte_text(), (value >> shift) & 0xFF) for shift in (16, 8, 0))
    if css:
        return pc.binary_join_element_wise("rgb(", red, ", ", green, ", ", blue, ")", "")
    return pc.binary_join_element_wise(red, green, blue, ",")


@generator("quantity", category="commerce", returns="int", example="2", aliases=("qty",),
           facts=Facts(range=lambda p: (1, p["max"]),
                        model=lambda p: Poisson(max(0.0, float(p["mean"]) - 1.0), 1, None, p["max"],
                                                f"quantity(mean={p['mean']:g})")))
def quantity(ctx: GenContext, *, mean: float = 1.8, max: int | None = None) -> pa.Array:
    """Order-line quantities: positive integers, 1 most often (1 + Poisson(mean - 1))."""
    values = 1 + poisson_from_uniform(ctx.uniform(), float(np.maximum(0.0, mean - 1.0)))
    if max is not None:
        values = np.minimum(values, max)
    return pa.array(values, type=pa.int64())


_RATING_WEIGHTS = (0.10, 0.05, 0.08, 0.17, 0.60)  # 1..5 stars: the J-shaped curve of product reviews


@generator("rating", category="commerce", returns="int", example="5", aliases=("stars",),
           facts=Facts(range=lambda p: (1, 5), model=lambda p: Categorical(
               {i + 1: float(w) for i, w in enumerate(p["weights"] or _RATING_WEIGHTS)}, "rating weights")))
def rating(ctx: GenContext, *, weights: list[float] | None = None) -> pa.Array:
    """Star ratings 1-5 with the J-shaped distribution of real reviews (or your 5 weights)."""
    w = np.asarray(weights if weights is not None else _RATING_WEIGHTS, dtype=np.float64)
    if len(w) != 5 or (w < 0).any() or w.sum() <= 0:
        raise ValueError("rating weights must be 5 non-negative numbers (1..5 stars)")
    cdf = np.cumsum(w) / w.sum()
    stars = 1 + np.minimum(np.searchsorted(cdf, ctx.uniform(), side="right"), 4)
    return pa.array(stars, type=pa.int64())
