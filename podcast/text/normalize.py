"""Speech normalization (English): turn written text into what a careful narrator says.

``normalize(text)`` rewrites numbers, money, dates, abbreviations, symbols and the like into
words, so the engine never guesses ("$44 billion" is "forty-four billion dollars", not "dollar
forty four billion"). Rules run in order; each is a regular expression and a function.
Number words come from num2words rather than hand-made tables.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Mapping
from itertools import accumulate

from num2words import num2words

from podcast import compiled

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]

MONTHS = {
    "jan": "January", "feb": "February", "mar": "March", "apr": "April", "may": "May",
    "jun": "June", "jul": "July", "aug": "August", "sep": "September", "sept": "September",
    "oct": "October", "nov": "November", "dec": "December",
}  # fmt: skip
WEEKDAYS = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
            "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday"}  # fmt: skip


def longest_first(names: Iterable[str]) -> list[str]:
    """``names`` for a regex alternation: longer first (a name is not cut short by a shorter
    one it starts with), then in alphabetical order, so the pattern is one string in every
    process (a set's order changes with Python's hash seed; ``podcast.compiled`` keys by it)."""
    return sorted(names, key=lambda name: (-len(name), name))


MONTH_NAMES = "|".join(longest_first({*MONTHS.values(), *(k.capitalize() for k in MONTHS)}))

TITLES = {
    "Mr.": "Mister", "Mrs.": "Missus", "Ms.": "Miz", "Dr.": "Doctor", "Gov.": "Governor",
    "Sen.": "Senator", "Rep.": "Representative", "Gen.": "General", "Lt.": "Lieutenant",
    "Col.": "Colonel", "Sgt.": "Sergeant", "Capt.": "Captain", "Prof.": "Professor",
    "Rev.": "Reverend", "Sr.": "Senior", "Jr.": "Junior", "St.": "Saint", "Mt.": "Mount",
    "vs.": "versus", "etc.": "et cetera", "approx.": "approximately",
    "e.g.": "for example", "i.e.": "that is", "Vol.": "volume", "vol.": "volume",
    "pp.": "pages", "Ave.": "Avenue", "WWI": "World War One", "WWII": "World War Two",
}  # fmt: skip

# AP-style state abbreviations as they appear after a city ("Butler, Pa.").
STATES = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California",
    "Colo.": "Colorado", "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida",
    "Ga.": "Georgia", "Ill.": "Illinois", "Ind.": "Indiana", "Kan.": "Kansas",
    "Ky.": "Kentucky", "La.": "Louisiana", "Md.": "Maryland", "Mass.": "Massachusetts",
    "Mich.": "Michigan", "Minn.": "Minnesota", "Miss.": "Mississippi", "Mo.": "Missouri",
    "Mont.": "Montana", "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire",
    "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina",
    "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon", "Pa.": "Pennsylvania",
    "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota",
    "Tenn.": "Tennessee", "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington",
    "W.Va.": "West Virginia", "Wis.": "Wisconsin", "Wyo.": "Wyoming",
}  # fmt: skip

# Acronyms said letter by letter even where espeak would try to pronounce them.
SPELLED_ACRONYMS = frozenset(
    {"GOP", "FBI", "CEO", "HTTP", "HTTPS", "URL", "USA", "UK", "EU", "TV", "AI", "IP", "UI",
     "API", "IO", "OS", "PDF", "SEO", "ID", "IRA", "IOU", "AOL", "ESA", "EPA", "USDA", "DOE",
     "WHO", "SAT"}
)  # fmt: skip

CURRENCIES = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
              "€": ("euro", "euros", "cent", "cents"), "¥": ("yen", "yen", "sen", "sen"),
              "₹": ("rupee", "rupees", "paisa", "paise"), "₩": ("won", "won", "jeon", "jeon"),
              "₽": ("rouble", "roubles", "kopek", "kopeks"), "₺": ("lira", "lira", "kuruş", "kuruş"),
              "₪": ("shekel", "shekels", "agora", "agorot"), "₱": ("peso", "pesos", "centavo", "centavos"),
              "₦": ("naira", "naira", "kobo", "kobo"), "₴": ("hryvnia", "hryvnias", "kopiyka", "kopiyky")}  # fmt: skip
CURRENCY_SIGNS = "[" + "".join(CURRENCIES) + "]"
# ISO 4217 codes written beside an amount ("500 USD", "EUR 300").
CURRENCY_CODES = {"USD": ("U S dollar", "U S dollars"), "EUR": ("euro", "euros"),
                  "GBP": ("pound", "pounds"), "JPY": ("yen", "yen"), "CHF": ("Swiss franc", "Swiss francs"),
                  "CAD": ("Canadian dollar", "Canadian dollars"), "AUD": ("Australian dollar", "Australian dollars"),
                  "NZD": ("New Zealand dollar", "New Zealand dollars"), "CNY": ("yuan", "yuan"),
                  "RMB": ("yuan", "yuan"), "INR": ("rupee", "rupees"), "RUB": ("rouble", "roubles"),
                  "SEK": ("Swedish krona", "Swedish kronor"), "NOK": ("Norwegian krone", "Norwegian kroner"),
                  "DKK": ("Danish krone", "Danish kroner"), "HKD": ("Hong Kong dollar", "Hong Kong dollars"),
                  "MXN": ("Mexican peso", "Mexican pesos"), "BRL": ("real", "reais"),
                  "KRW": ("won", "won"), "ZAR": ("rand", "rand")}  # fmt: skip
# A number as written: digits with thousands separators (never ending on one), a decimal part.
NUM = r"\d(?:[\d,]*\d)?(?:\.\d+)?"
SCALES = "thousand|million|billion|trillion"
VULGAR_FRACTIONS = {"½": (1, 2), "⅓": (1, 3), "⅔": (2, 3), "¼": (1, 4), "¾": (3, 4), "⅛": (1, 8)}


def _cardinal(number: str) -> str:
    return num2words(int(number.replace(",", "")))


def _number(number: str) -> str:
    """Cardinal or decimal, with thousands separators allowed."""
    clean = number.replace(",", "")
    if "." in clean:
        whole, frac = clean.split(".", 1)
        return f"{num2words(int(whole or 0))} point {' '.join(num2words(int(d)) for d in frac)}"
    return num2words(int(clean))


def _year(number: str) -> str:
    return num2words(int(number), to="year")


def _fraction_words(numerator: int, denominator: int) -> str:
    if (numerator, denominator) == (1, 2):
        return "a half"
    if denominator == 4:
        return f"{'a' if numerator == 1 else num2words(numerator)} quarter{'s' * (numerator > 1)}"
    ordinal = num2words(denominator, to="ordinal")
    if numerator == 1:
        return f"one {ordinal}"
    return f"{num2words(numerator)} {ordinal}s"


# Words after "a $5,000" that show the amount is not a noun's modifier ("a $5 to $10 range"
# still is, but "a $5 or so" is not).
_NOT_MODIFIED = frozenset(
    "a an and as at by for from in is of on or per than that the to was were with".split()  # noqa: SIM905
)


def _attributive(match: re.Match[str]) -> bool:
    """Money used as a modifier: "a $5,000 fine", "a $2 billion fund" (the unit is singular,
    as said: "a five thousand dollar fine")."""
    before = match.string[max(0, match.start() - 4) : match.start()]
    after = re.match(r"\s([a-z]+)\b", match.string[match.end() :])
    return bool(
        re.search(r"(?:^|\s)[Aa]n?\s$", before) and after and after.group(1) not in _NOT_MODIFIED
    )


def _money(match: re.Match[str]) -> str:
    amount, scale = match.group("amount"), match.group("scale")
    one, many, sub_one, sub_many = _currency(match)
    clean = amount.replace(",", "")
    if _attributive(match) and (scale or "." not in clean.rstrip("0").rstrip(".")):
        words = _number(_trim_zeros(clean)) + (f" {scale.lower()}" if scale else "")
        return f"{words} {one}"
    if scale:
        return f"{_number(_trim_zeros(clean))} {scale.lower()} {many}"
    whole, _, cents = clean.partition(".")
    cents_value = int(cents.ljust(2, "0")[:2]) if cents else 0
    cent_words = f"{num2words(cents_value)} {sub_one if cents_value == 1 else sub_many}"
    if int(whole) == 0 and cents_value:
        return cent_words
    words = f"{num2words(int(whole))} {one if int(whole) == 1 else many}"
    if cents_value:
        words += f" and {cent_words}"
    return words


def _date(match: re.Match[str]) -> str:
    month = match.group("month").rstrip(".")
    month = MONTHS.get(
        month.lower()[:4] if month.lower().startswith("sept") else month.lower()[:3], month
    )
    words = f"{month} {num2words(int(match.group('day')), to='ordinal')}"
    if match.group("year"):
        words += f", {_year(match.group('year'))}"
    return words


def _day_month(match: re.Match[str]) -> str:
    """British order: "6 January 2021" is "the sixth of January, twenty twenty-one"."""
    words = f"the {num2words(int(match.group('day')), to='ordinal')} of "
    words += _month_name(match.group("month"))
    if match.group("year"):
        words += f", {_year(match.group('year'))}"
    return words


def _ordinal(match: re.Match[str]) -> str:
    return num2words(int(match.group(1).replace(",", "")), to="ordinal")


def _decade(match: re.Match[str]) -> str:
    year = _year(match.group(1) + "0")
    return (year[:-1] + "ies") if year.endswith("y") else year + "s"


def _mixed_fraction(match: re.Match[str]) -> str:
    whole, frac, hyphen = match.group(1), match.group(2), match.group(3) or ""
    numerator, denominator = VULGAR_FRACTIONS[frac]
    words = _fraction_words(numerator, denominator)
    if whole:
        words = f"{_cardinal(whole)} and {words}"
    if hyphen:
        return words.replace(" ", "-") + "-"
    return words


def _spell(letters: str) -> str:
    return " ".join(letters)


def _dotted_acronym(match: re.Match[str]) -> str:
    return " ".join(match.group(0).replace(".", ""))


def _handle(match: re.Match[str]) -> str:
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", match.group(1)).replace("_", " ")
    return f"at {name}"


def _time(match: re.Match[str]) -> str:
    hour, minute, meridiem = int(match.group(1)), int(match.group(2)), match.group(3)
    words = num2words(hour)
    if minute:
        words += " " + (f"oh {num2words(minute)}" if minute < 10 else num2words(minute))
    elif not meridiem:
        words += " o'clock"
    if meridiem:
        words += " " + _spell(meridiem.replace(".", "").upper()).replace(" ", " ")
    return words


UNITS = {
    "km": ("kilometer", "kilometers"), "cm": ("centimeter", "centimeters"),
    "mm": ("millimeter", "millimeters"), "mi": ("mile", "miles"), "ft": ("foot", "feet"),
"kg": ("kilogram", "kilograms"),
    "mg": ("milligram", "milligrams"), "lb": ("pound", "pounds"), "lbs": ("pound", "pounds"),
    "oz": ("ounce", "ounces"), "mph": ("mile per hour", "miles per hour"),
    "km/h": ("kilometer per hour", "kilometers per hour"), "kph": ("kilometer per hour", "kilometers per hour"),
    "ml": ("milliliter", "milliliters"), "Hz": ("hertz", "hertz"),
    "kHz": ("kilohertz", "kilohertz"), "MHz": ("megahertz", "megahertz"), "GHz": ("gigahertz", "gigahertz"),
    "KB": ("kilobyte", "kilobytes"), "kB": ("kilobyte", "kilobytes"), "MB": ("megabyte", "megabytes"),
    "GB": ("gigabyte", "gigabytes"), "TB": ("terabyte", "terabytes"), "ms": ("millisecond", "milliseconds"),
    "kW": ("kilowatt", "kilowatts"), "kWh": ("kilowatt hour", "kilowatt hours"),
    "bps": ("basis point", "basis points"), "bp": ("basis point", "basis points"),
    "pts": ("point", "points"), "pt": ("point", "points"), "ppts": ("percentage point", "percentage points"),
    "pp": ("percentage point", "percentage points"),
    "MW": ("megawatt", "megawatts"), "GW": ("gigawatt", "gigawatts"),
    "MWh": ("megawatt hour", "megawatt hours"), "GWh": ("gigawatt hour", "gigawatt hours"),
    "Mbps": ("megabit per second", "megabits per second"),
    "Gbps": ("gigabit per second", "gigabits per second"),
    "kbps": ("kilobit per second", "kilobits per second"), "fps": ("frame per second", "frames per second"),
    "nm": ("nanometer", "nanometers"), "μm": ("micrometer", "micrometers"),
    "mAh": ("milliampere hour", "milliampere hours"), "PB": ("petabyte", "petabytes"),
    "GiB": ("gibibyte", "gibibytes"), "MiB": ("mebibyte", "mebibytes"),
    "mL": ("milliliter", "milliliters"), "yd": ("yard", "yards"), "yds": ("yard", "yards"),
    "hrs": ("hour", "hours"), "hr": ("hour", "hours"), "mins": ("minute", "minutes"),
    "min": ("minute", "minutes"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
    "FT": ("foot", "feet"), "KT": ("knot", "knots"), "kt": ("knot", "knots"), "kts": ("knot", "knots"),
    "MPH": ("mile per hour", "miles per hour"), "NM": ("nautical mile", "nautical miles"),
}  # fmt: skip
TEMPERATURE = {"F": "Fahrenheit", "C": "Celsius", "K": "kelvin"}
TIME_ZONES = frozenset("EDT EST CDT CST MDT MST PDT PST UTC GMT BST CET CEST".split())  # noqa: SIM905
# Words before which a Roman numeral is a number ("Amendment XXV" is "Amendment twenty-five").
ROMAN_CONTEXT = (
    "chapter|book|part|volume|vol\\.|act|scene|section|article|amendment|title|appendix|"
    "phase|world war|canto|psalm|stage|level|class|type"
)
_ROMAN = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")


def roman_value(numeral: str) -> int | None:
    """The value of a well-formed Roman numeral (``XXV`` is 25), else None."""
    numeral = numeral.upper()
    if not numeral or not _ROMAN.match(numeral):
        return None
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for char, following in zip(numeral, [*numeral[1:], ""], strict=True):
        value = values[char]
        total += -value if following and values[following] > value else value
    return total


def _numbered_heading(match: re.Match[str]) -> str:
    value = roman_value(match.group(1))
    return f"{num2words(value).capitalize()}. " if value else match.group(0)


def _roman_after_word(match: re.Match[str]) -> str:
    value = roman_value(match.group(2))
    return f"{match.group(1)} {num2words(value)}" if value else match.group(0)


def _regnal(match: re.Match[str]) -> str:
    """ "Henry VIII" is "Henry the Eighth"."""
    value = roman_value(match.group(2))
    if not value:
        return match.group(0)
    return f"{match.group(1)} the {num2words(value, to='ordinal').capitalize()}"


def _digits(digits: str) -> str:
    return " ".join(num2words(int(d)) for d in digits)


def _phone(match: re.Match[str]) -> str:
    groups = [g for g in re.split(r"\D+", match.group(0)) if g]
    return ", ".join(_digits(g) for g in groups)


def _range(match: re.Match[str], group: int = 1) -> str:
    first, last = match.group(group), match.group(group + 1)
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", first) and re.fullmatch(r"\d{2}|\d{4}", last):
        if len(last) == 2:
            last = first[:2] + last
        return f"{_year(first)} to {_year(last)}"
    return f"{_number(first)} to {_number(last)}"


def _date_range(match: re.Match[str]) -> str:
    month = _month_name(match.group("month"))
    first = num2words(int(match.group("day")), to="ordinal")
    last = num2words(int(match.group("end")), to="ordinal")
    return f"{month} {first} to {last}"


def _unit(match: re.Match[str]) -> str:
    number, unit = match.group(1), match.group(2)
    one, many = UNITS[unit]
    return f"{_number(number)} {one if number in ('1', '1.0') else many}"


def _temperature(match: re.Match[str]) -> str:
    number, scale = match.group(1), match.group(2)
    degrees = "degree" if number in ("1", "-1") else "degrees"
    words = _signed(number)
    return f"{words} {degrees}" + (f" {TEMPERATURE[scale]}" if scale else "")


def _signed(number: str) -> str:
    if number.startswith(("-", "−")):
        return "minus " + _number(number[1:])
    return _number(number.lstrip("+"))


def _fraction(match: re.Match[str]) -> str:
    numerator, denominator = int(match.group(1)), int(match.group(2))
    if denominator not in FRACTION_DENOMINATORS or numerator >= denominator:
        return f"{num2words(numerator)} {num2words(denominator)}"
    return _fraction_words(numerator, denominator)


FRACTION_DENOMINATORS = frozenset({2, 3, 4, 5, 6, 8, 10, 12, 16})
PARTIES = {"D": "Democrat", "R": "Republican", "I": "Independent"}
POSTAL = {
    "NY": "New York",
    "CA": "California",
    "TX": "Texas",
    "FL": "Florida",
    "PA": "Pennsylvania",
}
SCALE_ABBREVIATIONS = {"k": "thousand", "K": "thousand", "M": "million", "B": "billion",
                       "m": "million", "mn": "million", "b": "billion", "bn": "billion",
                       "tn": "trillion"}  # fmt: skip


def _party_state(match: re.Match[str]) -> str:
    state = match.group(2)
    state = STATES.get(state, POSTAL.get(state.replace(".", ""), state))
    return f"({PARTIES[match.group(1)]} of {state})"


def _money_scaled(match: re.Match[str]) -> str:
    one, many, _, _ = _currency(match)
    amount = _trim_zeros(match.group("amount").replace(",", ""))
    unit = one if _attributive(match) else many
    return f"{_number(amount)} {SCALE_ABBREVIATIONS[match.group('abbr')]} {unit}"


def _money_code(match: re.Match[str]) -> str:
    """ "500 USD" is "five hundred U S dollars", "EUR 2.5 million" "two point five million
    euros"."""
    one, many = CURRENCY_CODES[match.group("code")]
    amount = _trim_zeros(match.group("amount").replace(",", ""))
    words = _number(amount)
    if match.group("scale"):
        words += f" {match.group('scale').lower()}"
    singular = amount == "1" and not match.group("scale")
    return f"{words} {one if singular or _attributive(match) else many}"


def _iso_date(match: re.Match[str]) -> str:
    """ "2024-03-15" is "March fifteenth, twenty twenty-four"."""
    month = list(dict.fromkeys(MONTHS.values()))[int(match.group(2)) - 1]
    day = num2words(int(match.group(3)), to="ordinal")
    return f"{month} {day}, {_year(match.group(1))}"


# Said as words although short or odd-looking.
SAID_ACRONYMS = frozenset(
    {"NASA", "NATO", "FEMA", "OPEC", "UEFA", "FIFA", "UNICEF", "UNESCO", "NAFTA", "ICE", "AIM",
     "NOW", "LAN", "RAM", "ROM", "GIF", "SIM", "PIN", "SWAT", "RADAR", "LASER", "SCUBA", "COVID",
     "AIDS", "OK", "DARPA", "ASAP", "TED", "CAPTCHA", "POTUS", "SCOTUS", "WASP", "NIMBY",
     "GAAP", "NOAA", "HIPAA", "NASDAQ", "CERN", "JPEG", "ASCII", "LIDAR", "SONAR", "SARS", "MERS",
     "ISIS", "IKEA", "OSHA", "POSIX", "JSON", "YAML", "TOML", "CRISPR", "MIDI", "NIST", "FAFSA",
     "ERISA", "ASEAN", "NASCAR", "SCSI", "WYSIWYG", "PAC", "HUD", "ZIP", "SIDS", "SALT",
     "START", "TARP", "MOMA", "CUNY", "LEED", "ANSI", "INTERPOL", "EURO", "FICO", "GUI"}
)  # fmt: skip
# Final consonant pairs an English word may end on ("CERN", "NIST"): such acronyms are words.
_CODAS = frozenset(
    "rn rt rd rk rm rb rs st sk sp nt nd nk ng ns mp ms ft ct pt lt ld lf lk lp ck sh th ch".split()  # noqa: SIM905
)
_ONSETS = frozenset(
    "bl br cl cr dr fl fr gl gr pl pr sc sk sl sm sn sp st sw tr tw th sh ch wh ph qu wr kn".split()  # noqa: SIM905
)
_ROMAN_ONLY = re.compile(r"^[IVX]+$")


def sayable(word: str) -> bool:
    """Whether an all-capital word can be said as a word (NASA) rather than spelled (OMB)."""
    if word in SAID_ACRONYMS:
        return True
    if word in SPELLED_ACRONYMS or len(word) <= 3:
        return False
    lower = word.lower()
    if not re.search("[aeiouy]", lower) or re.search("[^aeiouy]{3}", lower):
        return False
    if re.match("[^aeiouy]{2}", lower) and lower[:2] not in _ONSETS:
        return False
    if re.search("(aa|ii|uu|[aeiouy]{3})", lower):
        return False
    return not re.search("[^aeiouy]{2}$", lower) or lower[-2:] in _CODAS


def _acronym(match: re.Match[str]) -> str:
    word = match.group(1)
    # In an all-capital stretch (a headline) capitals are not acronyms.
    around = match.string[max(0, match.start() - 40) : match.end() + 40]
    others = [w for w in re.findall(r"[^\W\d_]{2,}", around) if w != word]
    capitals = sum(w.isupper() for w in others)
    shouting = (len(others) >= 2 and capitals >= 0.6 * len(others)) or not re.search(
        "[a-z]", match.string
    )
    if shouting or _ROMAN_ONLY.match(word) or sayable(word):
        return match.group(0)
    if is_word(word):
        return _as_word(match)
    return _spell_acronym(match)


# Two-letter words that are never acronyms in running text ("It is NO joke").
TWO_LETTER_WORDS = frozenset("NO SO DO GO WE HE BE IS MY IF UP TO OF BY".split())  # noqa: SIM905


class SortedWords:
    """A sorted word list kept in one string, looked up by bisection: the 115,000 GCIDE
    headwords take 1.6 MB this way, against 12 MB as a set of strings (a long book's build
    peaks at the same moment the dictionary is in memory)."""

    def __init__(self, words: Iterable[str]) -> None:
        ordered = sorted(set(words))
        self._blob = "\n".join(ordered)
        # where each word starts: the lengths of the ones before it, each with its newline
        starts = accumulate(map(len, ordered[:-1]), _after, initial=0) if ordered else ()
        self._starts = array("I", starts)

    def _word_at(self, start: int) -> str:
        end = self._blob.find("\n", start)
        return self._blob[start : end if end >= 0 else len(self._blob)]

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or "\n" in word:
            return False
        at = bisect.bisect_left(self._starts, word, key=self._word_at)
        return at < len(self._starts) and self._word_at(self._starts[at]) == word

    def __len__(self) -> int:
        return len(self._starts)


def _after(position: int, length: int) -> int:
    return position + length + 1


@functools.cache
def _dictionary() -> SortedWords:
    """English headwords as the dictionary writes them (GCIDE: "Beard", "must", and acronyms
    in capitals: "GOP", "DNA"), loaded the first time a capital word needs it."""
    from english_words import get_english_words_set

    return SortedWords(get_english_words_set(["gcide"]))


def is_word(word: str) -> bool:
    """Whether a word written in capitals is an English word ("YOUR", "AGE", "BEARD") rather
    than an acronym ("FBI", "GOP", "DNA": the dictionary writes those in capitals)."""
    if len(word) <= 2:
        return word in TWO_LETTER_WORDS
    if word in SPELLED_ACRONYMS or word in TIME_ZONES or not word.isalpha():
        return False
    words = _dictionary()
    if word not in words and (word.capitalize() in words or word.lower() in words):
        return True
    # a plural the dictionary has only in the singular: "LAMBS", "WORMS"
    return len(word) > 3 and word.endswith("S") and is_word(word[:-1])


def _as_word(match: re.Match[str]) -> str:
    """A word in capitals for emphasis or as a headword, read as the word ("YOUR" is "your")."""
    word = match.group(1) + (match.group(2) or "")
    start = match.start() == 0 or re.search(r"[.!?:]\s*$", match.string[: match.start()])
    return word.capitalize() if start else word.lower()


def _spell_acronym(match: re.Match[str]) -> str:
    word, plural = match.group(1), match.group(2)
    return _spell(word) + ("'s" if plural else "")


def _month_name(month: str) -> str:
    month = month.rstrip(".")
    key = month.lower()[:4] if month.lower().startswith("sept") else month.lower()[:3]
    return MONTHS.get(key, month)


def _short_decade(match: re.Match[str]) -> str:
    words = num2words(int(match.group(1)))
    return (words[:-1] + "ies") if words.endswith("y") else words + "s"


# ---- breadth: money prefixes, model numbers, versions, paths, comparisons, math ----

# Dollars of other countries, written before the sign ("US$1,000", "A$5", "C$", "NZ$").
DOLLAR_PREFIXES = {"US": "U S", "A": "Australian", "AU": "Australian", "C": "Canadian",
                   "CA": "Canadian", "NZ": "New Zealand", "HK": "Hong Kong", "S": "Singapore"}  # fmt: skip
_PREFIX = "(?P<pre>(?-i:" + "|".join(longest_first(DOLLAR_PREFIXES)) + "))?"


def _currency(match: re.Match[str]) -> tuple[str, str, str, str]:
    one, many, sub_one, sub_many = CURRENCIES[match.group("sym")]
    prefix = match.groupdict().get("pre")
    if prefix and match.group("sym") == "$":
        country = DOLLAR_PREFIXES[prefix]
        one, many = f"{country} {one}", f"{country} {many}"
    return one, many, sub_one, sub_many


def _trim_zeros(amount: str) -> str:
    """ "20.00" is "20", "1.50" is "1.5": a scaled amount's trailing zeros are not said."""
    if "." in amount:
        amount = amount.rstrip("0").rstrip(".")
    return amount


def _money_adjective(match: re.Match[str]) -> str:
    """ "$119-a-year" is "one hundred and nineteen dollar a year" (singular, as said)."""
    one, _, _, _ = _currency(match)
    amount = match.group("amount").replace(",", "")
    whole, _, cents = amount.partition(".")
    words = f"{num2words(int(whole))}"
    if match.group("scale"):
        words = f"{_number(_trim_zeros(amount))} {match.group('scale').lower()}"
    words += f" {one}"
    if cents.strip("0") and not match.group("scale"):
        words += f" {num2words(int(cents.ljust(2, '0')[:2]))}"
    return f"{words} {match.group('rest').replace('-', ' ')}"


def paired(number: str) -> str:
    """A name's number said in pairs, as people say them: 747 is "seven forty-seven", 4090
    "forty ninety", 101 "one oh one", 500 "five hundred", 2000 "two thousand"."""
    value = int(number)
    if len(number) == 3:
        head, tail = number[0], int(number[1:])
    elif len(number) == 4:
        head, tail = number[:2], int(number[2:])
        if number.startswith("20") and tail < 10:
            return _year(number)
        if tail == 0:
            if value % 1000 == 0:
                return num2words(value)
            return f"{num2words(int(head))} hundred"
    else:
        return num2words(value)
    if tail == 0:
        return f"{num2words(int(head))} hundred"
    if tail < 10:
        return f"{num2words(int(head))} oh {num2words(tail)}"
    return f"{num2words(int(head))} {num2words(tail)}"


# Capitalised words before a number that make it an amount or a year, not a name's number.
NOT_NAMES = frozenset(
    """A About Above Across After Against Ages Almost Among An And Another Approximately Are
    Around As At Bc Bce Be Been Before Below Between Beyond By Ca Ce Chapter Circa Circuit Class
    Down During Each Every Exactly Fewer First For From Grade Had Has Have Her His In Into Is Its
    Just Last Less Like Many More Most My Nearly Next No Number Of Off On Only Onto Or Our Over
    Page Pages Paragraph Per Plus Price Rank Roughly Row Section Since Some Than That The Their
    These This Those Through Till To Top Total Toward Towards Under Until Up Upon Via Vol Volume
    Was Were When While With Within Without Year Years Your Ad AD BC BCE CE""".split()  # noqa: SIM905
)


def _model_number(match: re.Match[str]) -> str:
    word, number = match.group(1), match.group(2)
    if word in NOT_NAMES or word.capitalize() in NOT_NAMES or word.rstrip(".") in MONTH_SET:
        return match.group(0)
    return f"{word} {paired(number)}"


MONTH_SET = frozenset({*MONTHS.values(), *(k.capitalize() for k in MONTHS)})


def _version(text: str) -> str:
    """ "2.7.9" is "two point seven point nine": each part a number; "x" stays "x"."""
    parts = text.split(".")
    words = [
        (num2words(int(p)) if len(p) <= 6 else _digits(p))
        if p.isdigit()
        else ("star" if p == "*" else p)
        for p in parts
    ]
    return " point ".join(words)


# Words before a year-shaped number that make it a year even before a plural noun ("the 2024
# elections", "in 1999 votes"); after any other word ("holds 1999 paintings") it is a count.
YEAR_BEFORE = frozenset(
    """in since by the of from until till during before after through and or to circa between
    early late mid fiscal its their his her our your my this that these those on at per""".split()  # noqa: SIM905
)
_NOT_PLURAL = frozenset("was has does this thus plus less its yes hers ours yours always".split())  # noqa: SIM905


def _count_or_year(match: re.Match[str]) -> str:
    before, number, after = match.group(1), match.group(2), match.group(3)
    plural = not after.endswith(("ss", "us", "is")) and after not in _NOT_PLURAL
    if before in YEAR_BEFORE or not plural:
        return f"{before} {_year(number)}"
    return f"{before} {num2words(int(number))}"


def _named_version(match: re.Match[str]) -> str:
    """ "Python 3.12" and "macOS 10.15" are versions ("three point twelve"): a two-part number
    right after a name (a word with a capital, or "version")."""
    word, major, minor = match.groups()
    named = any(ch.isupper() for ch in word) and word not in NOT_NAMES
    if not (named or word.lower() in ("version", "release")) or word.rstrip(".") in MONTH_SET:
        return match.group(0)
    return f"{word} {num2words(int(major))} point {num2words(int(minor))}"


def _duration(match: re.Match[str]) -> str:
    parts = []
    for value, unit in zip(match.groups(), ("hour", "minute", "second"), strict=True):
        if value:
            parts.append(f"{_number(value)} {unit}{'' if value == '1' else 's'}")
    return " ".join(parts) or match.group(0)


def _letters(letters: str) -> str:
    """Capitals said as a word when they can be ("NASA"), else spelled ("P M")."""
    said = sayable(letters) or (len(letters) > 2 and is_word(letters))
    return letters if said else _spell(letters)


def _code_number(digits: str, read: Callable[[str], str] = _number) -> str:
    """A number inside a code: digit by digit when it has a leading zero ("012017"), else read
    (``read`` for three or four digits: a name's number is said in pairs)."""
    if len(digits) > 1 and digits.startswith("0"):
        return _digits(digits)
    whole = digits.split(".")[0]
    return read(digits) if read is not _number and len(whole) in (3, 4) else _number(digits)


def _coordinate(value: str, hemisphere: str) -> str:
    names = {"N": "north", "S": "south", "E": "east", "W": "west"}
    return f"{_number(value.lstrip('0') or '0')} {names[hemisphere]}"


def _fiscal(match: re.Match[str]) -> str:
    """ "FY24" is "fiscal twenty-four", "FY2023-24" "fiscal twenty twenty-three to twenty-four"."""

    def year(digits: str) -> str:
        return _year(digits) if len(digits) == 4 else num2words(int(digits))

    words = f"fiscal {year(match.group(1))}"
    if match.group(2):
        words += f" to {year(match.group(2))}"
    return words


def _path(match: re.Match[str]) -> str:
    """ "~/.config/foo" is "tilde slash dot config slash foo"; "/usr/bin" "slash usr slash bin"."""
    words = []
    for index, part in enumerate(match.group(0).split("/")):
        if index:
            words.append("slash")
        if part == "~":
            words.append("tilde")
        elif part:
            words.append(_dotted_name(part))
    return " ".join(words)


def _dotted_name(name: str) -> str:
    """ ".bashrc" is "dot bashrc", "setup.cfg" "setup dot cfg", ".." "dot dot"."""
    spoken = re.sub(r"\.", " dot ", name)
    spoken = re.sub(r"(?<=\w)[_-](?=\w)", " ", spoken)
    return re.sub(r"\s+", " ", spoken).strip()


COMPARISONS = {"<": "less than", ">": "greater than", "<=": "less than or equal to",
               "=<": "less than or equal to", "≤": "less than or equal to",
               ">=": "greater than or equal to", "=>": "greater than or equal to",
               "≥": "greater than or equal to", "≠": "not equal to", "!=": "not equal to",
               "==": "equals", "≈": "about", "~": "about"}  # fmt: skip

# Symbols that survive every other rule: said where they mean a word, else dropped.
SYMBOL_WORDS = {"×": "times", "÷": "divided by", "±": "plus or minus", "→": "to", "←": "from",
                "≈": "about", "§": "section", "°": "degrees", "∞": "infinity", "√": "root of",
                "∑": "sum", "π": "pi", "µ": "micro", "Δ": "delta", "©": "copyright"}  # fmt: skip

# LaTeX: the commands a listener can be told in words; anything else makes "an equation".
LATEX_WORDS = {
    "alpha": "alpha", "beta": "beta", "gamma": "gamma", "delta": "delta", "epsilon": "epsilon",
    "theta": "theta", "lambda": "lambda", "mu": "mu", "pi": "pi", "sigma": "sigma", "tau": "tau",
    "phi": "phi", "omega": "omega", "cdot": "times", "times": "times", "div": "divided by",
    "pm": "plus or minus", "le": "less than or equal to", "leq": "less than or equal to",
    "ge": "greater than or equal to", "geq": "greater than or equal to", "neq": "not equal to",
    "ne": "not equal to", "approx": "approximately", "infty": "infinity", "to": "to",
    "rightarrow": "to", "in": "in", "sum": "the sum of", "log": "log", "ln": "log",
    "sin": "sine", "cos": "cosine", "tan": "tangent", "exp": "exp", "quad": "", ",": "", ";": "",
    "left": "", "right": "", "mathrm": "", "text": "", "mathbf": "", "operatorname": "",
}  # fmt: skip
_MATH_OPS = {"+": " plus ", "-": " minus ", "=": " equals ", "*": " times ", "/": " over ",
             "<": " less than ", ">": " greater than ", "(": " ", ")": " ", ",": ", "}  # fmt: skip
MAX_SPOKEN_MATH_WORDS = 14


def _equation(match: re.Match[str]) -> str:
    """A formula: read when short and plain ("$a+b=c$" is "a plus b equals c"), else "an
    equation" (symbols never reach the engine)."""
    words = _math_words(match.group("math"))
    if words is None or not words or len(words.split()) > MAX_SPOKEN_MATH_WORDS:
        return " an equation "
    return f" {words} "


def _math_words(tex: str) -> str | None:
    # Letters side by side are a product of variables: "mc^2" is "m c squared".
    tex = re.sub(r"(?<![\\A-Za-z])[A-Za-z]{2,3}(?![A-Za-z])", lambda m: " ".join(m.group(0)), tex)
    tex = tex.strip()
    for _ in range(4):  # nested fractions and roots, from the inside out
        tex = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", _over, tex)
        tex = re.sub(r"\\sqrt\s*\{([^{}]*)\}", r" the square root of (\1) ", tex)
        tex = re.sub(r"\\(?:mathrm|text|mathbf|operatorname)\s*\{([^{}]*)\}", r" \1 ", tex)
    tex = re.sub(r"\^\s*\{?2\}?", " squared ", tex)
    tex = re.sub(r"\^\s*\{?3\}?", " cubed ", tex)
    tex = re.sub(
        r"\^\s*\{([^{}]*)\}|\^\s*(\w)", lambda m: f" to the power {m.group(1) or m.group(2)} ", tex
    )
    tex = re.sub(r"_\s*\{([^{}]*)\}|_\s*(\w)", lambda m: f" sub {m.group(1) or m.group(2)} ", tex)

    def command(m: re.Match[str]) -> str:
        name = m.group(1)
        return f" {LATEX_WORDS[name]} " if name in LATEX_WORDS else " \x00 "

    tex = re.sub(r"\\([A-Za-z]+|[,;])", command, tex)
    if "\x00" in tex or re.search(r"[\\{}\[\]^_&|]", tex):
        return None
    tex = re.sub(r"(?<=\d)(?=[A-Za-z])", " ", tex)  # "2x" is "2 x"
    tex = "".join(_MATH_OPS.get(ch, ch) for ch in tex)
    tex = re.sub(r"\d+(?:\.\d+)?", lambda m: _number(m.group(0)), tex)
    if re.search(r"[^\w\s,'-]", tex):
        return None
    return re.sub(r"\s+", " ", tex).strip(" ,")


def _over(match: re.Match[str]) -> str:
    """A fraction: "a over b"; a compound top is "the quantity a plus b, over a"."""
    top, bottom = match.group(1).strip(), match.group(2).strip()
    if re.search(r"[-+]", top):
        top = f"the quantity {top},"
    return f" {top} / {bottom} "


MATH = re.compile(
    r"\$\$(?P<math>.+?)\$\$|\\\[(?P<display>.+?)\\\]|\\\((?P<inline>.+?)\\\)"
    r"|(?<![\w$\\])\$(?=[^\s$\d])(?P<dollar>[^$\n]{1,200}?[^\s$\\])\$(?![\w$])",
    re.DOTALL,
)


def _math(match: re.Match[str]) -> str:
    tex = match.group("math") or match.group("display") or match.group("inline")
    if tex is None:
        tex = match.group("dollar")
        # "$x$" is math only when it looks like it: a command, a power, an index or an equation
        if not re.search(r"[\\^_=<>]|^[A-Za-z]$", tex):
            return match.group(0)
    return _equation(re.match(r"(?P<math>.*)", tex, re.DOTALL))  # type: ignore[arg-type]


def _word_rules() -> list[Rule]:
    def sub(pattern: str, fn: Callable[[re.Match[str]], str], flags: int = 0) -> Rule:
        return re.compile(pattern, flags), fn

    def lit(pattern: str, text: str, flags: int = 0) -> Rule:
        return re.compile(pattern, flags), lambda _m: text

    titles = "|".join(re.escape(k) for k in longest_first(TITLES))
    states = "|".join(re.escape(k) for k in longest_first(STATES))
    units = "|".join(re.escape(k) for k in longest_first(UNITS))
    dash = "[-–—]"
    codes = "|".join(CURRENCY_CODES)
    versions = r"\d+(?:\.(?:\d+|[xX*]))"
    return [
        # A formula never reaches the engine as symbols (before money: "$$" is not dollars).
        (MATH, _math),
        # Web addresses and handles are not read symbol by symbol.
        sub(r"\bhttps?://(?:www\.)?([\w.-]+)\S*", lambda m: m.group(1).replace(".", " dot ")),
        sub(r"\bwww\.([\w-]+(?:\.[\w-]+)+)\S*", lambda m: m.group(1).replace(".", " dot ")),
        sub(
            r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b",
            lambda m: m.group(0).replace("@", " at ").replace(".", " dot "),
        ),
        sub(r"(?<![\w@])@(\w{2,})", _handle),
        # Paths and dotfiles: "~/.config", "/usr/bin", ".bashrc", "setup.cfg".
        sub(r"(?<![\w/.:~])(?:~|\.{1,2})?/(?=[\w.~])[\w.@+~-]*(?:/[\w.@+~-]*)*", _path),
        sub(r"(?<![\w/~])~(?=/)", lambda _m: "tilde"),
        sub(
            r"(?<![\w.])\.(?=[A-Za-z_])[\w-]+(?:\.[A-Za-z_][\w-]*)*(?![\w.]*\d)",
            lambda m: _dotted_name(m.group(0)),
        ),
        sub(
            r"\b[\w-]+(?:\.[\w-]+)*\.(?:toml|md|py|js|ts|json|ya?ml|txt|sh|rs|html?|css|cfg|ini|"
            r"lock|csv|xml|go|rb|zip|gz|tar|pdf|png|jpe?g|exe|dll|env|conf|log|rc)\b",
            lambda m: _dotted_name(m.group(0)),
        ),
        # Languages named with symbols: "C++", "C#", "F#".
        sub(r"\b([A-Za-z])\+\+(?!\w)", lambda m: f"{m.group(1)} plus plus"),
        sub(r"\b([A-Z])#(?!\w)", lambda m: f"{m.group(1)} sharp"),
        # Comparison signs in prose: "Rust < 1.77", ">= 2", "≤ 5".
        sub(
            r"(?:(?<=\s)|^|(?<=\())(<=|>=|=<|=>|!=|==|[<>≤≥≠≈])(?=\s*[-−]?[\d$£€.]|\s+\w)",
            lambda m: COMPARISONS[m.group(1)],
        ),
        sub(r"(?:(?<=\s)|^|(?<=\())~(?=\s?\d)", lambda _m: "about "),
        # Financial shorthand: "Y/Y", "QoQ", "FY24", "FY2023-24".
        sub(
            r"(?<![\w/])([QYM])(?:/|o)\1(?![\w/])",
            lambda m: (
                {"Q": "quarter", "Y": "year", "M": "month"}[m.group(1)]
                + " over "
                + {"Q": "quarter", "Y": "year", "M": "month"}[m.group(1)]
            ),
        ),
        sub(r"\bFY\s?'?(\d{4}|\d{2})(?:[-–/](\d{4}|\d{2}))?\b", _fiscal),
        # Coordinates: "31.9N 40.9W", "N32.6306, W115.2414".
        sub(
            r"\b(\d{1,2}(?:\.\d+)?)°?\s?([NS]),?\s+(\d{1,3}(?:\.\d+)?)°?\s?([EW])\b",
            lambda m: (
                f"{_coordinate(m.group(1), m.group(2))}, {_coordinate(m.group(3), m.group(4))}"
            ),
        ),
        sub(
            r"\b([NS])(\d{1,2}\.\d+),?\s+([EW])(\d{1,3}\.\d+)\b",
            lambda m: (
                f"{_coordinate(m.group(2), m.group(1))}, {_coordinate(m.group(4), m.group(3))}"
            ),
        ),
        # A protocol's or a chip's version: "IPv6", "ARMv7".
        sub(
            r"\b([A-Z]{2,})v(\d+(?:\.\d+)?)\b",
            lambda m: f"{_letters(m.group(1))} v {_version(m.group(2))}",
        ),
        # A few capitals fused to a number ("PM2.5", "MP3", "CO2"): letters spelled; a code's
        # digits with a leading zero one by one ("AL012017").
        sub(
            r"\b([A-Z]{2,4})(\d+(?:\.\d+)?)\b",
            lambda m: f"{_letters(m.group(1))} {_code_number(m.group(2))}",
        ),
        # One capital and a model number: "A380", "F-150", "B-52".
        sub(r"\b([A-Z])-?(\d{3,4})\b(?![.,]\d)", lambda m: f"{m.group(1)} {paired(m.group(2))}"),
        sub(r"\b([A-Z])-(\d{1,2})\b(?![.,]\d)", lambda m: f"{m.group(1)} {_number(m.group(2))}"),
        # Digit strings read digit by digit: long codes, IP addresses and phone numbers.
        sub(r"\b\d{13,}\b", lambda m: _digits(m.group(0))),
        sub(
            r"\b(?:\d{1,3}\.){3}\d{1,3}\b",
            lambda m: " dot ".join(num2words(int(p)) for p in m.group(0).split(".")),
        ),
        # ISO dates: "2024-03-15" (before phone numbers and ranges).
        sub(
            r"(?<![\d.-])\b((?:1[6-9]|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b(?![\d-])",
            _iso_date,
        ),
        sub(r"(?:\+1[\s.-])?(?:\(\d{3}\)\s?|\b\d{3}[.-])\d{3}[.-]\d{4}\b", _phone),
        # Codec and standard names: "H.264" is "H two sixty-four", "X.509" "X five oh nine".
        sub(r"\b([A-Z])\.(\d{2,4})\b(?!\.\d)", lambda m: f"{m.group(1)} {paired(m.group(2))}"),
        # Versions: "v0.1.0", "2.7.9", "1.7.x", "python2.5".
        sub(rf"\bv({versions}+)\b", lambda m: f"version {_version(m.group(1))}"),
        sub(
            r"(?<![\d.])\b(\d+(?:\.\d+){2}(?:\.(?:\d+|[xX*]))*|\d+(?:\.\d+)*\.[xX*])(?![\w.]*\d)(?!\w)",
            lambda m: _version(m.group(1)),
        ),
        sub(
            r"\b([a-z]{2,}[a-z])(\d+(?:\.\d+)*)\b", lambda m: f"{m.group(1)} {_version(m.group(2))}"
        ),
        # Digits after a name or a letter inside a word: a handle, a type, a chip ("Denis44",
        # "x86", "u128", "i7"): the word, then its number.
        sub(r"(?<=[^\W_])_(?=\d)|(?<=\d)_(?=[^\W_])", lambda _m: " "),  # "x86_64"
        sub(
            r"(?<![^\W_])([A-Za-z]*[a-z])(\d{1,4})(?![^\W_]|[.,]\d)",
            lambda m: f"{m.group(1)} {_code_number(m.group(2), paired)}",
        ),
        # A duration: "8m30s", "1h30m", "2m5.5s".
        sub(r"\b(?=\d+[hm]\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?\b", _duration),
        # A digit between two letters ("d2l", "p2p", "B2B"): each said.
        sub(
            r"\b([A-Za-z])(\d)([A-Za-z])\b",
            lambda m: f"{m.group(1)} {_number(m.group(2))} {m.group(3)}",
        ),
        # Money before plain numbers; "$119-a-year" is an adjective (singular).
        sub(
            rf"(?:\b{_PREFIX})?(?P<sym>{CURRENCY_SIGNS})(?P<amount>\d[\d,]*(?:\.\d+)?)"
            rf"(?:[-\s](?P<scale>{SCALES}))?-(?!(?:{SCALES})\b)(?P<rest>[a-z]+(?:-[a-z]+)*)\b",
            _money_adjective,
        ),
        sub(
            rf"(?:\b{_PREFIX})?(?P<sym>{CURRENCY_SIGNS})(?P<amount>\d[\d,]*(?:\.\d+)?)\s?(?P<abbr>bn|tn|mn|[MBKkmb])\b",
            _money_scaled,
        ),
        sub(
            rf"(?:\b{_PREFIX})?(?P<sym>{CURRENCY_SIGNS})\s?(?P<amount>\d[\d,]*(?:\.\d+)?)"
            rf"(?:[\s-](?P<scale>{SCALES})\b)?",
            _money,
            re.IGNORECASE,
        ),
        sub(
            rf"(?<![\w.])(?P<amount>{NUM})\s?(?:(?P<scale>{SCALES})\s)?(?P<code>{codes})\b",
            _money_code,
        ),
        sub(
            rf"\b(?P<code>{codes})\s?(?P<amount>{NUM})(?![.,]?\d)(?:\s(?P<scale>{SCALES})\b)?",
            _money_code,
        ),
        # Party and state after a lawmaker: "(D-N.Y.)" is "Democrat of New York".
        sub(r"\((D|R|I)-([A-Z][\w.]*(?: [A-Z][\w.]*)?)\)", _party_state),
        sub(
            rf"(?<![\d.,-])\b(\d[\d,]*(?:\.\d+)?)\s?%?\s?{dash}\s?(\d[\d,]*(?:\.\d+)?)\s?%",
            lambda m: f"{_number(m.group(1))} to {_number(m.group(2))} percent",
        ),
        sub(r"(\d[\d,]*(?:\.\d+)?)\s?%", lambda m: f"{_number(m.group(1))} percent"),
        # A weekday abbreviated before a date: "Wed Apr 19 2017".
        sub(
            rf"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?(?=,?\s(?:{MONTH_NAMES})\.?\s\d)",
            lambda m: WEEKDAYS[m.group(1)[:3]],
        ),
        # Dates: "May 3–9", "Jan. 6, 2021", "July 21".
        sub(
            rf"\b(?P<month>{MONTH_NAMES})\.?\s(?P<day>\d{{1,2}}){dash}(?P<end>\d{{1,2}})\b",
            _date_range,
        ),
        sub(
            rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s(?P<month>{MONTH_NAMES})\b\.?"
            r"(?:,?\s(?P<year>\d{4})\b)?",
            _day_month,
        ),
        sub(
            rf"\b(?P<month>{MONTH_NAMES})\.?\s(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
            r"(?:,?\s(?P<year>\d{4})\b)?",
            _date,
        ),
        sub(r"\b(\d{1,2}):(\d{2})\s?([ap]\.?m\.?)?(?=\W|$)", _time, re.IGNORECASE),
        # A bulletin's time without a colon: "1100 AM" is "eleven A M", "116 AM" "one sixteen".
        sub(r"\b(1[0-2]|0?[1-9])([0-5]\d)\s?([ap]\.?m\.?)(?=\W|$)", _time, re.IGNORECASE),
        sub(
            r"\b(\d{1,2})\s?([ap])\.?m\.?(?=\W|$)",
            lambda m: f"{num2words(int(m.group(1)))} {m.group(2).upper()} M",
            re.IGNORECASE,
        ),
        sub(
            r"\b(\d{1,2}):(\d)\b(?!\d)",
            lambda m: f"{num2words(int(m.group(1)))} to {num2words(int(m.group(2)))}",
        ),
        sub(r"\b(\d{3})0s\b", _decade),
        sub(r"(?<!\w)['’](\d)0s\b", lambda m: _short_decade(re.match(r"(\d+)", m.group(1) + "0"))),  # type: ignore[arg-type]
        sub(r"\b([2-9])0s\b", lambda m: _short_decade(re.match(r"(\d+)", m.group(1) + "0"))),  # type: ignore[arg-type]
        sub(r"\b(\d{1,3}(?:,\d{3})*|\d+)(?:st|nd|rd|th|d)\b", _ordinal),
        # Ranges: "850–930", "10-12" (not phone numbers or dates, handled above); "between
        # 1989-1991" is "between ... and ...".
        sub(
            rf"\b([Bb]etween) (\d[\d,]*(?:\.\d+)?){dash}(\d[\d,]*(?:\.\d+)?)\b(?![\d-])",
            lambda m: f"{m.group(1)} {_range(m, 2).replace(' to ', ' and ', 1)}",
        ),
        sub(rf"(?<![\d.,-])\b(\d[\d,]*(?:\.\d+)?){dash}(\d[\d,]*(?:\.\d+)?)\b(?![\d-])", _range),
        # Fractions: "3/4"; other numbers around a slash ("24/7", "9/11") are read as pairs.
        sub(r"(?<![\d/])\b(\d)/(\d{1,2})\b(?![\d/])", _fraction),
        sub(r"\b(\d+)/(\d+)\b(?!/)", lambda m: f"{_number(m.group(1))} {_number(m.group(2))}"),
        # Temperatures and units after a number (before slashes are read: "km/h").
        sub(r"([-−+]?\d+(?:\.\d+)?)\s?°(?:\s?([FCK])\b)?", _temperature),
        sub(rf"(?<![\w.])({NUM})\s?({units})(?![\w/])", _unit),
        # A version or a model after a slash ("HTTP/1.1", "and/or"): the slash is not read.
        sub(r"(?<=[A-Za-z])/(?=[A-Za-z\d])", lambda _m: " "),
        # A number fused to a capital ("3D", "5G", "4K"): the letter is spelled.
        sub(r"\b(\d+)([A-Z])\b", lambda m: f"{_number(m.group(1))} {m.group(2)}"),
        # A number after a capitalised name is the name's number: "Boeing 747", "RTX 4090".
        sub(
            r"\b([A-Z][\w-]*[A-Za-z])\s(\d{3,4})\b(?![,.]\d|\s?[-–—%]|\s(?:" + SCALES + r")\b)",
            _model_number,
        ),
        # A two-part version after a product's name: "Python 3.12" is "three point twelve".
        sub(
            r"\b([A-Za-z][\w+#-]*)\s(\d{1,2})\.([1-9]\d)\b(?![.,]\d|\s?[-–—%]\d?)"
            r"(?!\s(?:" + SCALES + r"|percent|degrees?|points?|times|per)\b)",
            _named_version,
        ),
        # Roman numerals that are numbers: "I. A SCANDAL IN BOHEMIA" (a numbered heading),
        # "Amendment XXV", "CHAPTER IV", "Henry VIII".
        sub(r"^([IVXLC]+)\.\s+(?=[A-Z]{2,}|[A-Z]\s[A-Z]{2,})", _numbered_heading),
        sub(rf"\b({ROMAN_CONTEXT})\s+([IVXLCDM]+)\b", _roman_after_word, re.IGNORECASE),
        sub(
            r"\b((?:King|Queen|Pope|Henry|Louis|Elizabeth|Charles|George|Edward|William|Richard|James|John|Paul|Pius|Leo|Benedict|Gregory|Napoleon|Peter|Catherine|Mary|Philip|Frederick|Ramesses|Super Bowl)\s*)\s([IVXLC]{1,6})\b",
            _regnal,
        ),
        # Titles and states before acronyms; dotted acronyms ("U.S.") are spelled.
        # "No. 5" but "he said No."; "St. Louis" but "Main St."; "Dr. Smith" but "Elm Dr."
        sub(r"(?<!\w)No\.(?=\s?\d)", lambda _m: "number"),
        sub(r"\b([A-Z][a-z]+\s)St\.(?!\s[A-Z])", lambda m: f"{m.group(1)}Street"),
        sub(r"\b([A-Z][a-z]+\s)Dr\.(?!\s[A-Z])", lambda m: f"{m.group(1)}Drive"),
        sub(r"\b([A-Z][a-z]+\s)Ave\.", lambda m: f"{m.group(1)}Avenue"),
        sub(rf"(?<!\w)({titles})(?=[\s,;]|$)", lambda m: TITLES[m.group(1)]),
        sub(rf"(?<=,\s)({states})(?=[\s,;]|$)", lambda m: STATES[m.group(1)]),
        sub(r"\b(?:[A-Z]\.){2,}", _dotted_acronym),
        sub(
            r"\b(" + "|".join(sorted(SPELLED_ACRONYMS | TIME_ZONES)) + r")(s?)\b",
            _spell_acronym,
        ),
        # An all-capital word that cannot be said as a word is spelled ("HTML", "OMB"), in
        # mixed-case text only (an all-capital headline is not a row of acronyms).
        sub(r"\b([A-Z]{2,5})(s?)\b", _acronym),
        sub(r"\b(\d+(?:\.\d+)?)x\b", lambda m: f"{_number(m.group(1))} times"),
        sub(r"\b(\d[\d,]*)\+(?=\s|$|[,.;])", lambda m: f"{_number(m.group(1))} plus"),
        sub(r"\b([A-Z])(\d{1,2})\b", lambda m: f"{m.group(1)} {_number(m.group(2))}"),
        sub(
            r"\b(in|In|year|since|by) (1[0-9]\d\d)\b(?![\d,.]\d)",
            lambda m: f"{m.group(1)} {_year(m.group(2))}",
        ),
        # A year-shaped number counting something after a verb: "holds 1999 paintings".
        sub(r"\b([a-z]+) (1[1-9]\d\d|20\d\d)(?= ([a-z]{3,}s)\b)", _count_or_year),
        # Years: four digits between 1100 and 2099 that are not amounts.
        sub(r"(?<![\d,.$£€])\b(1[1-9]\d\d|20\d\d)\b(?![\d,.]\d)", lambda m: _year(m.group(1))),
        sub(r"#\s?(\d+)", lambda m: f"number {_number(m.group(1))}"),
        sub(
            r"(?<![\w.])([+-])(\d[\d,]*(?:\.\d+)?)\b",
            lambda m: ("plus " if m.group(1) == "+" else "minus ") + _number(m.group(2)),
        ),
        # A duration in seconds: "0.082s".
        sub(r"(?<![\w.])(\d+\.\d+)s\b", lambda m: f"{_number(m.group(1))} seconds"),
        sub(r"(?<![\d.])\.(\d+)\b", lambda m: f"point {_digits(m.group(1))}"),
        sub(r"\b\d[\d,]*\.\d+\b|\b\d{1,3}(?:,\d{3})+\b|\b\d+\b", lambda m: _number(m.group(0))),
        lit(r"\s&\s", " and "),
        lit(r"\s\+\s", " plus "),
        lit(r"\s=\s", " equals "),
        lit(r"\s*[—–]\s*", ", "),
        # What is left of symbols: said where they mean a word, else dropped.
        lit(r"(?<=[A-Za-z])&(?=[A-Za-z])", " and "),
        lit(r"(?<=\w)\+(?=\w)", " plus "),
        lit(r"(?<=\w)=(?=\w)", " equals "),
        sub("[" + "".join(SYMBOL_WORDS) + "]", lambda m: f" {SYMBOL_WORDS[m.group(0)]} "),
        lit(r"%", " percent "),
        lit(r"(?<=\w)@(?=\w)|(?<=\s)@(?=\s)", " at "),
        *SYMBOL_RULES,
    ]


SYMBOL_RULES: list[Rule] = [
    (re.compile(r"\[([^\]]*)\]"), lambda m: f" {m.group(1)} "),
    (re.compile(r"(?<=\w)_(?=\w)"), lambda _m: " "),
    (re.compile(r"[#*_~^`|<>{}\\\[\]@=+&$£€¢¥/®™†‡•¶·]+"), lambda _m: " "),
]


def needs_digit(pattern: re.Pattern[str]) -> bool:
    """Whether ``pattern`` can only match text holding a digit (a rule for numbers): such
    rules are skipped for a sentence without digits. Read from the parsed pattern; when in
    doubt, False (the rule runs)."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        def digit_set(items: list[tuple[object, object]]) -> bool:
            return bool(items) and all(
                (op is c.CATEGORY and arg is c.CATEGORY_DIGIT)
                or (op is c.LITERAL and chr(arg).isdigit())  # type: ignore[arg-type]
                or (op is c.RANGE and all(chr(x).isdigit() for x in arg))  # type: ignore[attr-defined]
                for op, arg in items
            )

        def required(seq: list[tuple[object, object]]) -> bool:
            return any(item(op, arg) for op, arg in seq)

        def item(op: object, arg: object) -> bool:
            if op is c.LITERAL:
                return chr(arg).isdigit()  # type: ignore[arg-type]
            if op is c.IN:
                return digit_set(arg)  # type: ignore[arg-type]
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                repeat: tuple[int, int, list[tuple[object, object]]] = arg  # type: ignore[assignment]
                return repeat[0] >= 1 and required(repeat[2])
            if op is c.SUBPATTERN:
                return required(arg[-1])  # type: ignore[index]
            if op is c.ATOMIC_GROUP:
                return required(arg)  # type: ignore[arg-type]
            if op is c.BRANCH:
                return all(required(alt) for alt in arg[1])  # type: ignore[index]
            if op is c.ASSERT:
                return required(arg[1])  # type: ignore[index]
            return False

        return required(list(_parser.parse(pattern.pattern, pattern.flags)))
    except Exception:  # an unknown parser shape only costs speed
        return False


RULES: list[Rule] = _word_rules()
# The rules a sentence without digits needs (most sentences: the number rules are skipped).
NEEDS_DIGIT_VERSION = 1  # of ``needs_digit``: its answers are kept (``compiled.fact``)


def _needs_digit_kept(pattern: re.Pattern[str]) -> bool:
    about = f"needs_digit v{NEEDS_DIGIT_VERSION} {pattern.flags} {pattern.pattern}"
    return compiled.fact(about, lambda: needs_digit(pattern))


WORD_RULES: list[Rule] = [rule for rule in RULES if not _needs_digit_kept(rule[0])]
_DIGIT = re.compile(r"\d")
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.;:!?])")
_COMMAS = re.compile(r",(\s*,)+")
_SPACES = re.compile(r"\s{2,}")
# For other languages: addresses are still not spelled out, markup is still not read.
NEUTRAL_RULES: list[Rule] = [
    (re.compile(r"\bhttps?://(?:www\.)?([\w.-]+)\S*"), lambda m: m.group(1)),
    (re.compile(r"\bwww\.([\w-]+(?:\.[\w-]+)+)\S*"), lambda m: m.group(1)),
    (MATH, lambda _m: " "),
    *SYMBOL_RULES,
]
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
AREA_UNITS = {"km": "kilometers", "m": "meters", "cm": "centimeters", "mm": "millimeters",
              "ft": "feet", "mi": "miles", "in": "inches"}  # fmt: skip
AREA = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?(km|cm|mm|ft|mi|m|in)([²³])")


def _area(match: re.Match[str]) -> str:
    kind = "square" if match.group(3) == "²" else "cubic"
    return f"{match.group(1)} {kind} {AREA_UNITS[match.group(2)]}"


POWER = re.compile(r"(\d)([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)")


def _power(match: re.Match[str]) -> str:
    exponent = int(match.group(2).translate(SUPERSCRIPTS))
    if exponent == 2:
        return f"{match.group(1)} squared"
    if exponent == 3:
        return f"{match.group(1)} cubed"
    return f"{match.group(1)} to the power of {exponent}"


# A ring or an ordinal sign after a number is a degree sign ("62º", "–5˚C").
DEGREE_SIGN = re.compile(r"(?<=\d)(\s?)[˚º](?=\s?[CFK]\b|[^\w]|$)")
DASH_MINUS = re.compile(r"(?:(?<=\s)|^|(?<=\())[–−](?=\d+(?:\.\d+)?\s?[°˚º])")
VULGAR_FRACTION = re.compile(r"(\d*)([½⅓⅔¼¾⅛])(-?)")


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace whole words by their lexicon entries (case-sensitive keys first)."""
    for word, saying in sorted(lexicon.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", saying, text)
    return text


def normalize(text: str, lexicon: Mapping[str, str] | None = None, language: str = "en") -> str:
    """Return ``text`` as it should be spoken by a voice of ``language``.

    English gets every rule. Any other language gets only what is language-neutral (Unicode
    folding, the lexicon, web addresses, markup symbols): its espeak-ng voice reads numbers
    and dates in its own language, which English rules would only spoil.
    """
    english = not language or language.lower().split("-")[0] == "en"
    if english:
        # Degrees written with a ring or an ordinal sign, and a minus written as a dash:
        # "–5˚C" is "-5°C" (NFKC would turn "˚" into a space and a combining ring).
        text = DEGREE_SIGN.sub("°", text)
        text = DASH_MINUS.sub("-", text)
        # Vulgar fractions and powers first: NFKC would turn "2½" into "21⁄2", "10⁶" into "106".
        text = VULGAR_FRACTION.sub(_mixed_fraction, text)
        text = AREA.sub(_area, text)
        text = POWER.sub(_power, text)
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    # Lexicon entries are final: they stand in as placeholders while the rules run.
    sayings: list[str] = []
    if lexicon:

        def hold(saying: str) -> str:
            sayings.append(saying)
            return chr(0xE000 + len(sayings) - 1)

        text = apply_lexicon(text, {w: hold(s) for w, s in lexicon.items()})
    rules = (RULES if _DIGIT.search(text) else WORD_RULES) if english else NEUTRAL_RULES
    for pattern, fn in rules:
        text = pattern.sub(fn, text)
    for index, saying in enumerate(sayings):
        text = text.replace(chr(0xE000 + index), saying)
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    text = _COMMAS.sub(",", text)
    return _SPACES.sub(" ", text).strip(" ,")
