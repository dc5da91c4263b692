"""Constant tables of the synthetic racing day: venues, names, race kinds, form vocabulary.

Every name here is invented or generic; nothing is copied from a captured card.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Venue:
    name: str
    country: str
    state: str
    category: str  # T, H or G
    mnemonic: str
    direction: str
    surface: str
    circumference: int
    straight: int


def _venues() -> tuple[Venue, ...]:
    rows = (
        ("Ellerslie", "NZ", "NZ", "T", "ELLR", "Right", "Turf", 1900, 380),
        ("Te Rapa", "NZ", "NZ", "T", "TRAP", "Left", "Turf", 1800, 400),
        ("Trentham", "NZ", "NZ", "T", "TREN", "Left", "Turf", 2000, 410),
        ("Riccarton Park", "NZ", "NZ", "T", "RICC", "Left", "Turf", 2000, 450),
        ("Awapuni Synthetic", "NZ", "NZ", "T", "AWAP", "Left", "Synthetic", 1555, 303),
        ("Cambridge Synthetic", "NZ", "NZ", "T", "CSYN", "Right", "Synthetic", 1500, 300),
        ("Hastings", "NZ", "NZ", "T", "HAST", "Left", "Turf", 1800, 350),
        ("Otaki", "NZ", "NZ", "T", "OTAK", "Left", "Turf", 1800, 360),
        ("Randwick", "AUS", "NSW", "T", "RAND", "Right", "Turf", 2224, 410),
        ("Flemington", "AUS", "VIC", "T", "FLEM", "Left", "Turf", 2312, 450),
        ("Eagle Farm", "AUS", "QLD", "T", "EFRM", "Right", "Turf", 2027, 434),
        ("Morphettville", "AUS", "SA", "T", "MORP", "Left", "Turf", 2339, 345),
        ("Ascot", "AUS", "WA", "T", "ASCT", "Left", "Turf", 2022, 300),
        ("Grafton", "AUS", "NSW", "T", "GRAF", "Right", "Turf", 2028, 375),
        ("Addington", "NZ", "NZ", "H", "ADDN", "Left", "All Weather", 1000, 200),
        ("Alexandra Park", "NZ", "NZ", "H", "ALEX", "Left", "All Weather", 1000, 180),
        ("Cambridge", "NZ", "NZ", "H", "CAMH", "Left", "All Weather", 1000, 190),
        ("Winton", "NZ", "NZ", "H", "WINT", "Left", "All Weather", 800, 150),
        ("Menangle", "AUS", "NSW", "H", "MENG", "Left", "All Weather", 1400, 260),
        ("Melton", "AUS", "VIC", "H", "MELT", "Left", "All Weather", 1000, 220),
        ("Albion Park", "AUS", "QLD", "H", "ALBH", "Left", "All Weather", 805, 140),
        ("Cambridge (G)", "NZ", "NZ", "G", "CAMG", "Left", "Sand", 440, 90),
        ("Addington", "NZ", "NZ", "G", "ADDG", "Left", "Sand", 470, 95),
        ("Ascot Park", "NZ", "NZ", "G", "ASPK", "Left", "Sand", 430, 85),
        ("Wentworth Park", "AUS", "NSW", "G", "WENT", "Left", "Sand", 520, 100),
        ("Sandown Park", "AUS", "VIC", "G", "SAND", "Left", "Sand", 550, 105),
        ("Angle Park", "AUS", "SA", "G", "ANGP", "Left", "Sand", 515, 95),
    )
    return tuple(Venue(*row) for row in rows)


VENUES = _venues()  # NZ and AUS: the meetings of the NZ afternoon and evening
# Foreign meetings (scenarios): one in the NZ evening running past midnight, one in the NZ
# early morning (about 02:00-05:00, so a daylight-saving change falls inside it).
EVENING_VENUES = (
    Venue("ParisLongchamp", "FR", "FR", "T", "PLON", "Right", "Turf", 2750, 533),
    Venue("Vincennes", "FR", "FR", "H", "VINC", "Left", "All Weather", 2000, 450),
)
EARLY_VENUES = (
    Venue("Gulfstream Park", "USA", "FL", "T", "GULF", "Left", "Dirt", 1800, 274),
    Venue("Meadowlands", "USA", "NJ", "H", "MEAD", "Left", "All Weather", 1609, 300),
)
# First-race windows, NZ wall clock (hour, minute) from/to, by (country, category): NZ meetings
# from late morning, Australian ones from the NZ afternoon, harness and greyhounds into the evening.
FIRST_RACE_WINDOWS = {
    ("NZ", "T"): ((11, 30), (12, 30)),
    ("AUS", "T"): ((13, 0), (14, 30)),
    ("NZ", "G"): ((13, 30), (15, 30)),
    ("AUS", "G"): ((17, 30), (19, 0)),
    ("NZ", "H"): ((15, 30), (17, 30)),
    ("AUS", "H"): ((17, 0), (18, 30)),
}
EVENING_FIRST_RACE = ((20, 30), (21, 30))
EARLY_FIRST_RACE = ((1, 30), (1, 55))
RACE_GAPS_MIN = (25, 28, 30, 30, 32, 35)  # minutes between a meeting's races
# Meetings cycle through categories so any day of 2+ meetings has harness, 4+ greyhounds too.
CATEGORY_CYCLE = ("T", "H", "T", "G", "T", "H", "T", "G")
CATEGORY_NAMES = {
    "T": "Thoroughbred Horse Racing",
    "H": "Harness Horse Racing",
    "G": "Greyhound Racing",
}
TRACK_CONDITIONS = {"T": ("Good4", "Good3", "Soft5", "Soft6", "Heavy8"), "H": ("Fast", "Good", "Easy"), "G": ("Good",)}  # fmt: skip
WEATHER = ("Fine", "FINE", "Overcast", "OCAST", "Showery", "Cloudy")
DISTANCES = {
    "T": (1000, 1100, 1200, 1300, 1400, 1500, 1600, 1700, 2000, 2100, 2200, 2400),
    "H": (1609, 1950, 2200, 2600, 2700, 3200),
    "G": (305, 410, 440, 520, 595, 715),
}
AGES = {"T": (2, 9), "H": (3, 10), "G": (2, 4)}
SPEED_M_PER_S = {"T": 16.0, "H": 13.8, "G": 16.8}
SPONSORS = (
    "PRYDA", "BRIGHT FAMILY", "NZB INSURANCE", "HYDRO", "KIWI CAR SALES", "RURAL SUPPLIES",
    "TAB FAST LINK", "WAIKATO STUD", "HARCOURTS", "FARMLANDS", "MITRE 10", "SPEIGHT'S",
)  # fmt: skip
RACE_KINDS = {
    "T": ("HANDICAP", "MAIDEN", "RATING 65", "BENCHMARK 72", "PLATE", "STAKES"),
    "H": ("MOBILE PACE", "HANDICAP TROT", "MOBILE TROT", "STANDING START PACE"),
    "G": ("MAIDEN", "STAKES", "GRADE 5", "FREE FOR ALL"),
}
CLASSES = {
    "T": ("Maiden", "Rating 60 HCP", "Rating 65", "Rating 75", "Open Handicap", "Benchmark 64"),
    "H": ("R40-R55", "R56-R65", "C0", "C1", "Maiden"),
    "G": ("Maiden", "Grade 5", "Grade 6", "Mixed 4/5", "Free For All"),
}
NAME_FIRST = (
    "Bonnie", "Voice Of", "Don", "Star", "Golden", "Silent", "Kōwhai", "Lucky", "Rapid", "Midnight",
    "Whetū", "Southern", "Royal", "Copper", "Te", "Blue", "Wild", "Little", "Captain", "Misty",
    "Dancing", "Iron", "Sweet", "Flying", "Señor", "Ocean", "Red", "Winter", "Brave", "Quiet",
)  # fmt: skip
NAME_SECOND = (
    "Gem", "Ohio", "Pauly", "Pello", "Harvest", "Knight", "Gold", "Charm", "Ruler", "Express",
    "Moana", "Cross", "Legend", "Coin", "Awa", "Lagoon", "Spirit", "Dreamer", "Mahi", "Echo",
    "Tide", "Warrior", "Melody", "Arrow", "Rocket", "Jewel", "Storm", "Sky", "Heart", "Road",
)  # fmt: skip
PEOPLE_FIRST = (
    "Kate", "Liam", "Amber", "Chris", "Samantha", "Michael", "Ashlee", "Rhys", "Aroha", "Jess",
    "Tane", "Olivia", "Matthew", "Ngaire", "Craig", "Hannah", "Wiremu", "Ruby", "Lachie", "Mere",
)  # fmt: skip
PEOPLE_LAST = (
    "Hercock", "Kauri", "Riddell", "Dell", "Collett", "McNab", "Strawbridge", "Tamaki", "Walker",
    "Ngata", "Brennan", "Cole", "Old", "Parata", "Sweeney", "Lord", "Latta", "Myers", "Quinn",
    "Te Huia",
)  # fmt: skip
TOWNS = ("Cambridge", "Matamata", "Te Awamutu", "Awapuni", "Riccarton", "Wanganui", "Hastings", "Ōtaki", "Foxton", "Ruakaka")  # fmt: skip
COLOURS = ("cerise", "gold", "royal blue", "white", "black", "emerald green", "pink", "navy", "red", "silver", "purple", "yellow")  # fmt: skip
PATTERNS = ("hoops", "chevrons", "stars", "diamond band", "crossed sashes", "quarters", "stripes", "spots")  # fmt: skip
GEAR = (
    "[Approved Plates, Lugging Bit]",
    "[Approved Plates, Blinkers, Lugging Bit, Nose Band]",
    "Nose Band OFF [Approved Plates, Blinkers, Lugging Bit]",
    "Blinkers ON [Approved Plates, Ear Covers Pre-Race, Lugging Bit]",
    "[Approved Plates, Barrier Blanket, Tongue Tie]",
)
RUNNER_CHANGES = ("Gear Change", "Gelding", "Stable Change - {trainer}", "Jockey Change")
FORM_INDICATORS = (
    ("Jockey Flying", "Jockey", False, 160),
    ("Won Last Start", "Form", False, 100),
    ("Track Winner", "Track", False, 120),
    ("Distance Winner", "Distance", False, 130),
    ("Resuming", "Preparation", False, 90),
    ("Beaten Favourite", "Form", True, 200),
)
SPEEDMAP_LABELS = ((2, "Leader"), (5, "Front Runner"), (9, "Midfield"), (99, "Back Marker"))
MARGINS = (
    (0.05, "NSE"), (0.1, "SH HD"), (0.2, "HD"), (0.3, "NK"), (0.4, "LG NK"), (0.5, "1/2L"),
    (0.75, "3/4L"), (1.0, "1L"), (1.25, "1-1/4L"), (1.75, "1-3/4L"), (2.0, "2L"), (3.0, "3L"),
)  # fmt: skip
BASE_PRIZE = {"T": 17_000, "H": 12_000, "G": 4_000}  # dollars, an ordinary race
PRIZE_SPLIT = (0.56, 0.18, 0.09, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02)
PREVIEW_PHRASES = (
    "has been racing well and looks the one to beat",
    "steps up in distance, which should suit",
    "was only narrowly beaten last start and can go one better",
    "returns from a spell but trials suggest he is ready",
    "drops in class and commands respect",
)
STAT_BLOCKS = (
    "first_up", "second_up", "third_up", "fourth_up", "track", "distance", "track_distance",
    "good", "soft", "heavy", "turf", "synthetic",
)  # fmt: skip
LATE_STAT_BLOCKS = ("left_handed", "right_handed", "hurdle", "steeple", "fresh_30", "fresh_90", "weight_for_age")  # fmt: skip
# data.favourite and data.mover lack these runner keys (data guide §4.4).
NOT_IN_FAVOURITE = frozenset(
    {"flucs", "flucs_with_timestamp", "picks", "meta", "scr_time", "competitor_id",
     "ride_guide_exists", "ride_guide_thumbnail", "ride_guide_file"}
)  # fmt: skip
