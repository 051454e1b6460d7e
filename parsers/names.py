"""Name data: aliases of countries and organisations, in English and French.

Everything the extractors need to recognise a name lives here, so a wording
change ("the U.S.", "les États-Unis") is not a membership change. Keys are
matched case-insensitively, without dots or leading articles. Country names
from ISO 3166 (English and French) are added by :mod:`parsers.entities`.
"""

from __future__ import annotations

from parsers.lexicon import words

# canonical name -> other ways official pages write it (English and French)
ALIASES: dict[str, tuple[str, ...]] = {
    "United States": (
        "US",
        "USA",
        "U.S.",
        "U.S.A.",
        "United States of America",
        "America",
        "États-Unis",
        "Etats-Unis",
        "États-Unis d'Amérique",
        "É.-U.",
    ),
    "United Kingdom": (
        "UK",
        "U.K.",
        "Britain",
        "Great Britain",
        "United Kingdom of Great Britain and Northern Ireland",
        "Royaume-Uni",
        "Grande-Bretagne",
    ),
    "European Union": ("EU", "E.U.", "Union européenne", "UE"),
    "European Commission": ("Commission européenne",),
    "South Korea": ("Republic of Korea", "Korea", "Corée du Sud", "République de Corée"),
    "North Korea": ("Democratic People's Republic of Korea", "Corée du Nord"),
    "Russia": ("Russian Federation", "Russie", "Fédération de Russie"),
    "Iran": ("Islamic Republic of Iran",),
    "Vietnam": ("Viet Nam",),
    "Turkey": ("Türkiye", "Turquie"),
    "Syria": ("Syrian Arab Republic", "Syrie"),
    "Netherlands": ("the Netherlands", "Holland", "Pays-Bas"),
    "Czechia": ("Czech Republic", "République tchèque", "Tchéquie"),
    "Ukraine": (),
    "Taiwan": ("Chinese Taipei",),
    "Cabo Verde": ("Cape Verde", "Cap-Vert"),
    "Côte d'Ivoire": ("Ivory Coast",),
    "Myanmar": ("Burma", "Birmanie"),
    "Timor-Leste": ("East Timor", "Timor oriental"),
    "Kosovo": (),
    "Brunei": ("Brunei Darussalam", "Brunéi Darussalam", "Brunéi"),
    "United Nations": ("UN", "U.N.", "Nations Unies", "Organisation des Nations Unies", "ONU"),
    "NATO": (
        "North Atlantic Treaty Organization",
        "OTAN",
        "Organisation du Traité de l'Atlantique Nord",
    ),
    "G7": ("Group of Seven", "Groupe des Sept", "G-7"),
    "G20": ("Group of Twenty", "Groupe des Vingt", "G-20"),
    "Five Eyes": ("FVEY", "Groupe des cinq", "Five Eyes alliance"),
    "Five Country Ministerial": (
        "FCM",
        "Five Country Ministerial meeting",
        "Conférence ministérielle des cinq pays",
        "Réunion ministérielle des cinq pays",
    ),
    "WeProtect Global Alliance": (
        "WPGA",
        "WePROTECT Global Alliance to End Child Sexual Exploitation Online",
        "WeProtect Global Alliance to End Child Sexual Exploitation Online",
        "WeProtect",
        "Alliance mondiale WeProtect",
    ),
    "Virtual Global Taskforce": ("VGT", "Groupe de travail virtuel mondial"),
    "Royal Canadian Mounted Police": ("RCMP", "GRC", "Gendarmerie royale du Canada"),
    "Canadian Centre for Child Protection": (
        "C3P",
        "Centre canadien de protection de l'enfance",
        "CCPE",
    ),
    "National Center for Missing & Exploited Children": (
        "NCMEC",
        "National Center for Missing and Exploited Children",
    ),
    "Council of Europe": ("Conseil de l'Europe",),
    "Council of the European Union": ("Council of the EU", "Conseil de l'Union européenne"),
    "Government of Canada": ("gouvernement du Canada", "Canadian government"),
    "Convention on Cybercrime": (
        "Budapest Convention",
        "Budapest Convention on Cybercrime",
        "Convention de Budapest",
        "Convention sur la cybercriminalité",
    ),
    "Universal Declaration on Human Rights": (
        "Universal Declaration of Human Rights",
        "Déclaration universelle des droits de l'homme",
    ),
    "United Nations Convention on the Rights of the Child": (
        "UN Convention on the Rights of the Child",
        "UNCRC",
        "Convention relative aux droits de l'enfant",
        "Convention des Nations Unies relative aux droits de l'enfant",
    ),
}

# ISO 3166 names replaced by the short names official pages use
COUNTRY_OVERRIDES: dict[str, str] = {
    "Korea, Republic of": "South Korea",
    "Korea, Democratic People's Republic of": "North Korea",
    "Russian Federation": "Russia",
    "Iran, Islamic Republic of": "Iran",
    "Viet Nam": "Vietnam",
    "Türkiye": "Turkey",
    "Syrian Arab Republic": "Syria",
    "Holy See (Vatican City State)": "Holy See",
    "Taiwan, Province of China": "Taiwan",
    "Brunei Darussalam": "Brunei",
}

# leading words dropped from names ("the United States", "l'Allemagne")
ARTICLES: tuple[str, ...] = (
    "the ",
    "le ",
    "la ",
    "les ",
    "l'",
    "l’",
    "des ",
    "du ",
    "de la ",
    "de l'",
    "de l’",
    "d'",
    "d’",
    "au ",
    "aux ",
    "à la ",
    "à l'",
    "à l’",
    "à ",
)

# words that make a proper name a group others can be members of (data: group_words.txt)
GROUP_WORDS: frozenset[str] = words("en", "group_words") | words("fr", "group_words")

# collective nouns that announce a list of members (data: collective_nouns.txt)
COLLECTIVE_NOUNS: frozenset[str] = words("en", "collective_nouns") | words("fr", "collective_nouns")
