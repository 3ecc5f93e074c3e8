"""Generate the synthetic telecom support tickets used as the project's seed.

The Snowflake quickstart this project reproduces loads about 150 real-looking support tickets
from a public bucket. Offline (DuckDB plus the Cortex emulator) we need a stand-in: this module
writes ``seeds/support_tickets.csv`` with the same columns (ticket_id, customer_name,
customer_email, service_type, request, contact_preference) and the same kind of mess the public
file has, so that staging, categorisation and the loaders are exercised on realistic input:

* requests written as a customer would, about one of the categories of
  ``seeds/valid_categories.csv`` (``CATEGORIES``, read from it; the generator has templates for
  the quickstart's five telecom categories), not always using the category's own words;
* apostrophes, double quotes and embedded newlines inside requests;
* non-ASCII customer names, e-mail addresses with upper-case letters;
* leading or trailing spaces on some fields;
* ticket ids of varying widths, a few of them reused by a different customer.

Every ticket also carries the category it was written for (``intended_category``), which is not
written to the seed but can be exported as an answer key for benchmarks.

The output depends only on the arguments: the same count, seed and duplicate count give a
byte-identical CSV (one ``random.Random(seed)`` drives everything). Short fields stay within 60
characters, the VARCHAR(60) of the quickstart's table; 100,000 tickets take about two seconds.

Run from the project root::

    python scripts/generate_tickets.py --count 600 --seed 42 --output seeds/support_tickets.csv
    python scripts/generate_tickets.py --count 100000 --duplicates 50 \\
        --output /tmp/tickets.csv --answer-key /tmp/answer_key.csv

or import it (``generate_tickets``, ``write_csv``, ``write_answer_key``).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import string
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

CATEGORIES_SEED = Path(__file__).resolve().parents[1] / "seeds" / "valid_categories.csv"


def read_categories(seed: Path = CATEGORIES_SEED) -> tuple[str, ...]:
    """The project's categories, from the valid_categories seed (in list_position order): the
    one place where they are kept. The generator writes requests for those of them it has
    templates for (the quickstart's five telecom categories)."""
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = sorted(
            csv.DictReader(handle), key=lambda r: (int(r["list_position"]), r["category"])
        )
    return tuple(row["category"] for row in rows)


CATEGORIES: tuple[str, ...] = read_categories()
SERVICE_TYPES: tuple[str, ...] = ("Cellular", "Business Internet", "Home Internet")
CONTACT_PREFERENCES: tuple[str, ...] = ("Email", "Text Message")
CSV_COLUMNS: tuple[str, ...] = (
    "ticket_id",
    "customer_name",
    "customer_email",
    "service_type",
    "request",
    "contact_preference",
)
ANSWER_KEY_COLUMNS: tuple[str, str] = ("ticket_id", "intended_category")

DEFAULT_COUNT = 600
DEFAULT_SEED = 42
DEFAULT_OUTPUT = Path("seeds/support_tickets.csv")

CATEGORY_SHARES: dict[str, float] = {
    "Roaming fees": 0.20,
    "Slow data speed": 0.22,
    "Lost phone": 0.18,
    "Add new line": 0.20,
    "Closing account": 0.20,
}
SERVICE_WEIGHTS: dict[str, tuple[int, int, int]] = {
    "Roaming fees": (85, 10, 5),
    "Slow data speed": (40, 25, 35),
    "Lost phone": (90, 6, 4),
    "Add new line": (70, 20, 10),
    "Closing account": (45, 25, 30),
}
EMAIL_SHARE = 0.6
NON_ASCII_NAME_SHARE = 0.10
MULTILINE_SHARE = 0.05
PADDED_SHARE = 0.03
UPPERCASE_EMAIL_SHARE = 0.08
CURLY_APOSTROPHE_SHARE = 0.03
QUOTED_PLAN_SHARE = 0.35
ID_WIDTH_SHARES: dict[int, float] = {3: 0.15, 4: 0.35, 5: 0.25, 6: 0.25}
ID_LAST_SHARED_WIDTH = max(ID_WIDTH_SHARES)
MAX_SENTENCES = 5
SERVICE_SPECIFIC_CATEGORIES: frozenset[str] = frozenset({"Slow data speed", "Closing account"})

Context = dict[str, str]
SlotFiller = Callable[[random.Random, Context], None]


@dataclass(frozen=True)
class Ticket:
    ticket_id: str
    customer_name: str
    customer_email: str
    service_type: str
    request: str
    contact_preference: str
    intended_category: str

    def csv_row(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.ticket_id,
            self.customer_name,
            self.customer_email,
            self.service_type,
            self.request,
            self.contact_preference,
        )


@dataclass(frozen=True)
class _Customer:
    display: str
    first: str
    email_first: str
    email_last: str


# --------------------------------------------------------------------------------------------
# Vocabulary. Slot values never mention another category's theme.
# --------------------------------------------------------------------------------------------

DESTINATIONS: tuple[tuple[str, str], ...] = (
    ("Barcelona", "Spain"),
    ("Madrid", "Spain"),
    ("Cancún", "Mexico"),
    ("Mexico City", "Mexico"),
    ("Toronto", "Canada"),
    ("Vancouver", "Canada"),
    ("Rome", "Italy"),
    ("Florence", "Italy"),
    ("Paris", "France"),
    ("Nice", "France"),
    ("Tokyo", "Japan"),
    ("Osaka", "Japan"),
    ("Bangkok", "Thailand"),
    ("Phuket", "Thailand"),
    ("Berlin", "Germany"),
    ("Munich", "Germany"),
    ("Lisbon", "Portugal"),
    ("Porto", "Portugal"),
    ("Athens", "Greece"),
    ("Santorini", "Greece"),
    ("London", "the UK"),
    ("Edinburgh", "the UK"),
    ("Dublin", "Ireland"),
    ("Dubrovnik", "Croatia"),
    ("San José", "Costa Rica"),
    ("Rio de Janeiro", "Brazil"),
    ("Istanbul", "Turkey"),
    ("Marrakesh", "Morocco"),
    ("Reykjavik", "Iceland"),
    ("Sydney", "Australia"),
    ("Punta Cana", "the Dominican Republic"),
    ("Cusco", "Peru"),
    ("Hanoi", "Vietnam"),
    ("Seoul", "South Korea"),
    ("Cairo", "Egypt"),
    ("Amsterdam", "the Netherlands"),
    ("Zürich", "Switzerland"),
    ("Bali", "Indonesia"),
)
COUNTRIES: tuple[str, ...] = tuple(sorted({country for _, country in DESTINATIONS}))

PHONES: tuple[str, ...] = (
    "iPhone 15",
    "iPhone 15 Pro",
    "iPhone 14",
    "iPhone 13 mini",
    "iPhone SE",
    "Samsung Galaxy S24",
    "Galaxy S23",
    "Galaxy A54",
    "Galaxy Z Flip5",
    "Pixel 8",
    "Pixel 7a",
    "Moto G Power",
    "OnePlus 12",
    "Motorola Edge",
)
GADGETS: tuple[str, ...] = (
    "an iPad",
    "a Galaxy Tab",
    "an Apple Watch",
    "a Galaxy Watch",
    "a mobile hotspot",
    "a tablet for my kids",
    "a smartwatch",
)
PLANS: dict[str, tuple[str, ...]] = {
    "Cellular": (
        "Unlimited Plus",
        "Unlimited Starter",
        "Premium Unlimited",
        "Essentials 15GB",
        "Max 5G",
        "Connect 25",
        "Flex",
        "Simply Talk & Text",
        "Value 10GB",
    ),
    "Home Internet": (
        "Home Fiber 500",
        "Home Basic 100",
        "Fiber Gig",
        "Home Plus 300",
        "Essentials Internet",
    ),
    "Business Internet": (
        "Business Pro",
        "Business Essentials",
        "Business Fiber 1G",
        "SmallBiz 250",
        "Office Plus",
    ),
}
PROMOS: tuple[str, ...] = (
    "Bring a Friend",
    "Family Bonus",
    "Second Line Free",
    "Better Together",
    "Add-a-Line Saver",
)
APPS: tuple[str, ...] = ("Instagram", "TikTok", "WhatsApp", "Facebook", "YouTube", "Snapchat")
VIDEO_APPS: tuple[str, ...] = ("YouTube", "Netflix", "Twitch", "Disney+", "Hulu", "Prime Video")
CALL_APPS: tuple[str, ...] = ("Zoom", "Teams", "FaceTime", "Google Meet", "WhatsApp")
MUSIC_APPS: tuple[str, ...] = ("Spotify", "Apple Music", "Pandora", "SoundCloud")
PAST_WHEN: tuple[str, ...] = (
    "yesterday",
    "last night",
    "this morning",
    "last week",
    "on Saturday",
    "on Monday",
    "two days ago",
    "three days ago",
    "over the weekend",
    "last Friday",
    "a couple of days ago",
    "on Tuesday evening",
)
SINCE: tuple[str, ...] = (
    "yesterday",
    "last week",
    "Saturday",
    "the weekend",
    "Monday",
    "last Friday",
    "the storm last week",
    "the start of the month",
    "your maintenance work last week",
    "the beginning of the week",
)
FUTURE_WHEN: tuple[str, ...] = (
    "next month",
    "next week",
    "in two weeks",
    "this Friday",
    "at the end of the month",
    "in early June",
    "on the 15th",
    "in about ten days",
    "on March 1st",
    "after the holidays",
)
END_DATES: tuple[str, ...] = (
    "the end of the month",
    "the 1st",
    "the 15th",
    "Friday",
    "the end of this billing cycle",
)
MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
LOST_PLACES: tuple[str, ...] = (
    "on the bus",
    "on the subway",
    "in an Uber",
    "in a taxi",
    "at a concert",
    "at the gym",
    "at a restaurant downtown",
    "at the beach",
    "at my kid's soccer game",
    "at the mall",
    "at the park",
    "at a bar",
    "in the grocery store parking lot",
    "at the train station",
    "on the train home",
    "at a football game",
)
STATIONS: tuple[str, ...] = (
    "train station",
    "bus station",
    "subway station",
    "station",
    "bus stop",
)
STREETS: tuple[str, ...] = (
    "on Main Street",
    "outside a coffee shop",
    "while I was waiting for the bus",
    "right outside my office",
    "on my way home",
    "in front of the pharmacy",
)
RELATIONS: tuple[tuple[str, str, str], ...] = (
    ("daughter", "her", "her"),
    ("son", "him", "his"),
    ("wife", "her", "her"),
    ("husband", "him", "his"),
    ("partner", "them", "their"),
    ("mom", "her", "her"),
    ("dad", "him", "his"),
    ("teenage son", "him", "his"),
    ("teenage daughter", "her", "her"),
    ("grandmother", "her", "her"),
    ("grandfather", "him", "his"),
    ("stepdaughter", "her", "her"),
    ("niece", "her", "her"),
    ("nephew", "him", "his"),
    ("girlfriend", "her", "her"),
    ("boyfriend", "him", "his"),
    ("sister", "her", "her"),
    ("brother", "him", "his"),
    ("mother-in-law", "her", "her"),
)
RELATION_NAMES: dict[str, tuple[str, ...]] = {
    "her": ("Emma", "Lily", "Sophie", "Maya", "Grace", "Ana", "Chloe"),
    "him": ("Jake", "Leo", "Sam", "Ben", "Mateo", "Eli", "Noah"),
    "them": ("Alex", "Jordan", "Riley", "Casey"),
}
EMPLOYEES: tuple[str, ...] = (
    "a new employee",
    "our new sales rep",
    "a new hire",
    "our office manager",
    "a contractor who's starting with us",
    "our new delivery driver",
)
MOVE_WHERE: tuple[str, ...] = (
    "across the country",
    "to another state",
    "out of your service area",
    "somewhere you don't have service",
    "in with my daughter",
    "to a retirement community",
    "to Denver",
    "to Phoenix",
    "back home to Ohio",
    "to a place that already has service included",
)
SERVICE_NOUNS: dict[str, tuple[str, ...]] = {
    "Cellular": ("phone service", "line", "service", "cell service"),
    "Home Internet": ("home internet", "internet", "service", "internet service"),
    "Business Internet": ("business internet", "internet service", "service"),
}
COLORS: tuple[str, ...] = ("black", "red", "clear", "pink", "blue", "green", "leopard print")
TIMES_OF_DAY: tuple[str, ...] = (
    "around noon",
    "around 6pm",
    "late last night",
    "early this morning",
    "right before lunch",
    "around 9 last night",
)
SMALL_NUMBERS: tuple[str, ...] = ("two", "three", "four", "five")
DATA_AMOUNTS: tuple[str, ...] = ("800MB", "1.2GB", "2GB", "3.5GB", "4GB", "500MB", "6GB")
PASS_PRICES: tuple[str, ...] = ("$5", "$10", "$12", "$15")
LOW_MOBILE_MBPS: tuple[str, ...] = ("0.3", "0.5", "0.8", "1", "1.2", "1.5", "2", "2.5", "3", "4")
PAID_MBPS: dict[str, tuple[str, ...]] = {
    "Cellular": ("100", "200", "300"),
    "Home Internet": ("100", "200", "300", "500", "1000"),
    "Business Internet": ("250", "500", "1000"),
}

# --------------------------------------------------------------------------------------------
# Names and e-mail addresses.
# --------------------------------------------------------------------------------------------

ASCII_FIRST_NAMES: tuple[str, ...] = (
    "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda",
    "William", "Elizabeth", "Richard", "Barbara", "Joseph", "Susan", "Thomas", "Jessica",
    "Christopher", "Sarah", "Daniel", "Karen", "Matthew", "Lisa", "Anthony", "Nancy",
    "Mark", "Sandra", "Steven", "Ashley", "Andrew", "Emily", "Joshua", "Michelle",
    "Kevin", "Amanda", "Brian", "Melissa", "George", "Stephanie", "Timothy", "Rebecca",
    "Jason", "Laura", "Ryan", "Olivia", "Jacob", "Emma", "Noah", "Ava", "Liam", "Sophia",
    "Ethan", "Mia", "Aiden", "Chloe", "Priya", "Arjun", "Aisha", "Omar", "Fatima",
    "Hiroshi", "Mei", "Wei", "Kwame", "Ngozi", "Diego", "Carlos", "Lucia", "Ahmed",
    "Leila", "Dmitri", "Olga", "Tariq", "Keisha", "DeShawn", "Malik", "Jamal", "Shanice",
    "Siobhan", "Declan", "Bridget", "Connor", "Mary-Kate", "Jean-Luc", "Rosa", "Tyler",
    "Hannah", "Marcus", "Denise", "Gloria", "Raj", "Anita", "Yusuf", "Ines",
)  # fmt: skip
ASCII_LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Patel", "Shah",
    "Kim", "Park", "Chen", "Wang", "Nguyen", "Tran", "Singh", "Khan", "Ali", "Okafor",
    "Mensah", "Cohen", "Murphy", "Kelly", "O'Brien", "O'Connor", "O'Neill", "O'Sullivan",
    "D'Angelo", "D'Souza", "O'Hara", "McDonald", "MacKenzie", "Van der Berg", "Smith-Jones",
    "St. John", "LaFleur", "DuBois", "Fitzgerald", "Schwartz", "Novak", "Kowalski", "Rossi",
    "Bianchi", "Yamamoto", "Tanaka", "Ivanov", "Haddad", "Washington", "Brooks", "Reyes",
)  # fmt: skip
NON_ASCII_GROUPS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("José", "María", "Sofía", "Inés", "Andrés", "Raúl", "Jesús", "Lucía", "Ramón",
         "Joaquín", "Begoña", "João", "Conceição", "Héctor", "Mónica"),
        ("Álvarez", "Muñoz", "Pérez", "Gómez", "Núñez", "Ibáñez", "Fernández", "Martínez",
         "Sánchez", "Rodríguez", "Castaño", "Gonçalves", "Araújo", "Ortiz", "Vega"),
    ),
    (
        ("Zoë", "Chloé", "Hélène", "Jérôme", "François", "Amélie", "Léa", "Gaël", "Renée",
         "Loïc", "Noémie", "Anaïs"),
        ("Lefèvre", "Bélanger", "Côté", "Gagné", "Lévesque", "Dubé", "Boucher", "Mercier",
         "Fournier", "Thériault"),
    ),
    (
        ("Søren", "Jürgen", "Björn", "Åsa", "Jörg", "Sigrún", "Ingrid", "Mats", "Käthe"),
        ("Müller", "Schröder", "Weiß", "Jørgensen", "Østergaard", "Åberg", "Strauß", "Björk",
         "Hämäläinen", "Lindqvist"),
    ),
    (
        ("Łukasz", "Paweł", "Małgorzata", "Wojciech", "Zdeněk", "Jiří", "Ágnes", "Bożena",
         "Tomáš"),
        ("Wiśniewski", "Wójcik", "Dvořák", "Nováková", "Łukaszewicz", "Szabó", "Kovač",
         "Ćosić", "Nowak"),
    ),
    (
        ("Şule", "Çağrı", "Gökhan", "Ayşe", "Ömer", "Seán", "Siobhán", "Pádraig"),
        ("Yılmaz", "Öztürk", "Çelik", "Şahin", "Doğan", "Ó Súilleabháin", "Ní Bhriain"),
    ),
)  # fmt: skip
WHOLE_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("Nguyễn Thị Lan", "Lan", "lan", "nguyen"),
    ("Trần Văn Minh", "Minh", "minh", "tran"),
    ("Phạm Thu Hà", "Hà", "ha", "pham"),
    ("Lê Quang Huy", "Huy", "huy", "le"),
    ("Đặng Ngọc Anh", "Anh", "anh", "dang"),
    ("Võ Thị Hồng", "Hồng", "hong", "vo"),
    ("王芳", "王芳", "fang", "wang"),
    ("李娜", "李娜", "na", "li"),
    ("张伟", "张伟", "wei", "zhang"),
    ("陈静", "陈静", "jing", "chen"),
    ("刘洋", "刘洋", "yang", "liu"),
    ("佐藤花子", "花子", "hanako", "sato"),
    ("山田太郎", "太郎", "taro", "yamada"),
    ("김민준", "민준", "minjun", "kim"),
    ("이서연", "서연", "seoyeon", "lee"),
    ("Δημήτρης Παπαδόπουλος", "Δημήτρης", "dimitris", "papadopoulos"),
    ("Анна Смирнова", "Анна", "anna", "smirnova"),
)
ASCII_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "œ": "oe",
    }
)
PERSONAL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 30),
    ("yahoo.com", 12),
    ("outlook.com", 12),
    ("hotmail.com", 8),
    ("icloud.com", 10),
    ("aol.com", 3),
    ("proton.me", 4),
    ("comcast.net", 3),
    ("mail.com", 2),
)
BUSINESS_DOMAINS: tuple[str, ...] = (
    "brightpath-logistics.com",
    "harborviewdental.com",
    "northwindtraders.com",
    "acmebakery.com",
    "bluepeakdesign.co",
    "summitlaw.com",
    "riversidecafe.com",
    "greenleaf-landscaping.com",
    "oakridgeaccounting.com",
)
EMAIL_FORMATS: tuple[tuple[str, int], ...] = (
    ("{f}.{l}", 30),
    ("{f}{l}", 15),
    ("{f}_{l}", 8),
    ("{fi}{l}", 14),
    ("{f}.{l}{n2}", 10),
    ("{l}.{f}", 6),
    ("{f}{year}", 9),
    ("{f}.{li}", 5),
    ("{l}{fi}{n2}", 3),
)

# --------------------------------------------------------------------------------------------
# Request templates. A leading "C|", "H|", "B|" or "I|" restricts a template to Cellular,
# Home Internet, Business Internet, or either internet service.
# --------------------------------------------------------------------------------------------

GREETINGS: tuple[str, ...] = (
    "Hi,",
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Good afternoon,",
    "Hey,",
    "Dear support team,",
    "To whom it may concern,",
    "Hello team,",
)
LEADS: tuple[str, ...] = (
    "I need some help with my account.",
    "I've got a problem I hope you can sort out.",
    "This is my second time reaching out about this.",
    "I'm hoping you can help me with something.",
    "Quick question.",
    "Not sure who to ask about this, so I'm trying here.",
    "The chat on your website wasn't any help.",
    "I'm writing on behalf of my household.",
)
CLOSINGS: tuple[str, ...] = (
    "Thanks.",
    "Thank you!",
    "Thanks in advance.",
    "I'd appreciate a quick reply.",
    "Please get back to me when you can.",
    "Let me know if you need anything else from me.",
    "Appreciate the help.",
    "Thanks for your time.",
    "I've been on hold twice already, so I'm hoping this is faster.",
    "I'd rather not have to call in.",
)
CONTACT_CLOSINGS: dict[str, tuple[str, ...]] = {
    "Email": (
        "You can reach me at this email address.",
        "Please reply by email, I can't take calls at work.",
    ),
    "Text Message": (
        "Text me back at this number, please.",
        "A text is the best way to reach me.",
    ),
}
SIGN_OFFS: tuple[str, ...] = ("Thanks,\n{first}", "- {first}", "Regards,\n{first}", "{first}")

UPCOMING_TRIP = "Roaming fees: upcoming trip"
THEMES: dict[str, tuple[tuple[str, float], ...]] = {
    category: ((category, 1.0),) for category in CATEGORIES
} | {"Roaming fees": (("Roaming fees", 0.8), (UPCOMING_TRIP, 0.2))}

CORES: dict[str, tuple[str, ...]] = {
    "Roaming fees": (
        "I was charged {amount} for data while I was in {country}.",
        "My last bill has {amount} in roaming charges from my trip to {country}.",
        "I just got back from {city} and my bill is {amount} higher than usual.",
        "Why was I billed {amount} for using my phone in {country}? "
        "I thought my {plan} plan covered that.",
        "There's a charge of {amount} on my account for international usage on {date}.",
        "I had data roaming switched off the whole time I was in {country}, "
        "but I still got charged {amount}.",
        "My bill shows {data_gb} of data used in {country} and I don't think that's right.",
        "I was only in {city} for {days} days and somehow ran up {amount} in fees.",
        "I bought the travel pass before my trip to {country} but got billed per megabyte anyway.",
        "Can you explain the {amount} of overseas charges on my statement?",
        "My son used his phone on a school trip to {country} and now we owe {amount}.",
        "I didn't get any warning about the cost of using data in {country} "
        "before I got a bill for {amount}.",
        "I took a cruise last month and was charged {amount} for calls and data at sea.",
        "I crossed into {country} for a day trip and my bill jumped by {amount}.",
        "The day pass was supposed to be {pass_price} a day, but I was charged {amount} "
        "for {days} days in {country}.",
        "I've been charged twice for the same roaming day in {country}.",
        "I live near the border and my phone keeps connecting to a network in {country}, "
        "so I'm getting roaming charges on my bill.",
        "My wife and I were in {country} on vacation and both of our phones got charged {amount}.",
        "I used wifi almost the entire time in {city}, so I don't understand "
        "how I owe {amount} in data fees.",
        "Your website says my {plan} plan includes {country}, but I was still charged "
        "for calls I made from there.",
        "Last month's bill came to {bill_amount} instead of my usual amount, "
        "and it's all from usage in {country}.",
        "I got a text saying I've already used {amount} worth of data abroad, "
        "and I only landed in {city} two days ago.",
        "I need the international charges from {date} reversed, it was only a couple of texts.",
        "Could someone review the {amount} in roaming fees on my account? "
        "I was in {country} for a wedding.",
        "B|My business trip to {city} left us with {amount} in extra charges "
        "on the company account.",
        "I'm studying in {country} this semester and the daily fees are adding up fast.",
        "I was told in the store that {country} was included at no extra cost, "
        "but my statement says otherwise.",
        "I landed in {city} and my phone immediately started charging me {pass_price} "
        "a day without asking.",
        "Is there a cheaper travel add-on than what I paid in {country}? It came to {amount}.",
        "I never even made a call in {country}, yet there's a {amount} charge for incoming calls.",
        "My daughter is doing a gap year in {country} and her usage charges are huge.",
        "I got charged for data in {country} while my phone was in airplane mode.",
        "Please explain why a {days}-day trip to {country} cost me {amount} on top of my bill.",
        "The {amount} I was charged for using my phone in {city} seems way too high.",
        "There are charges on my bill for {country} and I've never even been there.",
        "I'm a bit shocked by my bill: {amount} for a week in {city}.",
        "We just got home from {country} and the bill for using our phones there "
        "is more than the hotel.",
        "My phone bill doubled after my holiday in {country}.",
    ),
    UPCOMING_TRIP: (
        "I'm traveling to {country} {future_when} and want to know what it'll cost "
        "to use my phone there.",
        "I'm going to be in {country} for {days} days for work. "
        "Is there an option that won't cost a fortune?",
        "I'm planning a trip to {city} {future_when}. Do I need to turn anything on "
        "so I don't get hit with huge fees?",
        "How much does it cost to call home from {country}?",
        "Before I leave for {country} {future_when}, can you put an international day pass "
        "on my account?",
        "My family is flying to {country} {future_when}. How do we avoid roaming charges?",
        "Does my {plan} plan work in {country}? I'm going {future_when}.",
        "I'm heading to {city} {future_when} for {days} days. What will data cost me there?",
        "The last time I traveled I came back to a huge bill, so before my trip to {country} "
        "I want to know the rates.",
        "What's the daily rate for using my phone in {country}?",
        "I'm going on a cruise {future_when}. Will my phone work at sea, and what does it cost?",
        "My daughter is spending a semester in {country} starting {future_when}. "
        "What's the best option for her phone while she's overseas?",
    ),
    "Slow data speed": (
        "C|My mobile data has been really slow since {since}.",
        "C|Videos keep buffering on my phone, and a speed test shows {mbps_low} Mbps.",
        "C|I have full bars but pages barely load on my {device}.",
        "C|My data crawls every evening, it takes a minute to load a simple webpage.",
        "C|I'm paying for 5G but my phone acts like it's on dial-up.",
        "C|Ever since {since} my phone's internet has been painfully slow.",
        "C|Apps like {app} won't load on cellular data, but they work fine on wifi.",
        "C|I can't even send a photo in a text, the data is so sluggish.",
        "C|Speed tests on my phone show under {mbps_low} Mbps downtown.",
        "C|My data seems to get throttled after a few gigabytes, even though I'm on "
        "the {plan} plan.",
        "C|Maps takes forever to load while I'm driving, which is a real problem for my job.",
        "C|I'm getting {mbps_low} Mbps down on my phone when I used to get over 100.",
        "C|My {device} keeps dropping from 5G to LTE and everything slows to a crawl.",
        "C|Streaming music on {music_app} keeps stopping because my data is so slow.",
        "C|Data is almost unusable at my house, it takes forever to load anything.",
        "C|My son says his phone's internet is so slow he can't do homework on the bus.",
        "C|Video calls on {call_app} freeze every few seconds when I'm off wifi.",
        "C|My hotspot is too slow to use for work, I'm getting around {mbps_low} Mbps.",
        "C|Everything on my phone loads at a snail's pace after about 5pm.",
        "C|The 5G icon is there but downloads are slower than on my old phone.",
        "C|I ran three speed tests today and the best was {mbps_low} Mbps.",
        "C|Since the network upgrade in my area my data has gotten worse, not better.",
        "C|Why is my data so slow? I haven't even hit my limit this month.",
        "C|Loading a single Instagram story takes me 30 seconds.",
        "C|It took me twenty minutes to download a {data_gb} file on my phone.",
        "C|The little wheel just spins whenever I open {app} on my {device}.",
        "C|My data has been unbearably slow all week, I can't even check my email on the train.",
        "I|I pay for {mbps_paid} Mbps but speed tests show around {mbps_got} Mbps.",
        "I|My wifi speed dropped to {mbps_got} Mbps and I'm supposed to have {mbps_paid}.",
        "I|Video calls on {call_app} keep freezing because the connection is so slow.",
        "I|Web pages take ages to load and online games lag constantly.",
        "I|Wired straight into the modem I'm still only getting {mbps_got} Mbps.",
        "I|The {plan} plan promised {mbps_paid} Mbps, but we've never seen more than {mbps_got}.",
        "I|Downloads that used to take a minute now take half an hour.",
        "I|Every night around 8pm the internet grinds to a halt.",
        "I|I restarted the modem {small_number} times today and the speed is still terrible.",
        "I|{video_app} is stuck in low resolution and keeps buffering.",
        "I|Speed test results: {mbps_got} down, 1 up. That's nowhere near what I pay for.",
        "I|The internet has been slow for a week, even though the modem lights look normal.",
        "I|The internet is so slow that it takes minutes to open a single web page.",
        "H|The internet at home is slow every evening, {video_app} buffers constantly.",
        "H|My kids can't stream anything after dinner without it buffering.",
        "H|I work from home and my connection has become too slow for video meetings.",
        "H|Since you replaced the router, my home internet has been slower than ever.",
        "H|The speed drops to almost nothing whenever more than two of us are online.",
        "H|Our home wifi crawls upstairs and isn't much better next to the router.",
        "B|Our office internet has been crawling since {since} and nobody can get work done.",
        "B|Uploads at our office take forever, we're only getting {mbps_got} Mbps up.",
        "B|Our card machine keeps timing out because the internet is so slow.",
        "B|Our business line has been painfully slow for {days} days now.",
        "B|The connection in our office is so slow that our cloud backups never finish.",
        "B|Customers complain that our guest wifi is too slow to use.",
    ),
    "Lost phone": (
        "My phone was stolen at the {station} this morning.",
        "I lost my {device} {place} {when}.",
        "Someone took my phone out of my bag {place}.",
        "I left my phone {place} and now it's gone.",
        "I can't find my phone anywhere, I think it fell out of my pocket {place}.",
        "My {device} was stolen {when} and I need it blocked right away.",
        "I put my phone down {place} and by the time I went back it was gone.",
        "My phone got snatched out of my hand {street}.",
        "Someone broke into my car {when} and took my phone.",
        "My daughter lost her phone at school and we can't track it.",
        "I think I got pickpocketed {place}, my phone is gone.",
        "I've misplaced my phone and the tracking app shows it offline.",
        "My phone has been missing since {since} and I'm worried someone is using it.",
        "I got home and realized my {device} wasn't in my jacket anymore.",
        "My bag was stolen {place} with my phone inside.",
        "Somebody is making calls from my phone, which was stolen {when}.",
        "Lost my phone {place}, need help ASAP.",
        "My phone disappeared {place} and the tracking app says it's across town.",
        "I need to report my phone stolen. It happened {when}.",
        "My husband lost his phone {place}.",
        "My phone was taken in a break-in at my house {when}.",
        "I left my phone in a cab and the driver isn't answering it.",
        "I've lost my phone for the second time this year, I'm so embarrassed.",
        "My phone went missing after a night out {when}.",
        "B|One of our employees had the company phone stolen from the office.",
        "My {device} is gone, I either left it {place} or someone took it.",
        "I can't locate my phone, and my number is tied to my bank's security codes.",
        "The phone on my account ending in {last4} was stolen {when}.",
        "I think my phone is gone for good, I last had it {place}.",
        "My phone was stolen {street} and I'm using a friend's phone to write this.",
        "I'm pretty sure someone lifted my phone {place}.",
        "My mom can't find her phone, she thinks she left it {place}.",
        "I had my phone {place} and then it just wasn't in my pocket.",
        "My {device} was in my gym bag, and the bag is gone.",
        "Our phone was stolen out of the car {when} and I don't know what to do.",
        "My phone's been stolen. It's {a_device} on the {plan} plan.",
    ),
    "Add new line": (
        "I want to add my {rel} to my plan.",
        "I'd like to add a new line for my {rel}.",
        "Can I get another line on my account for my {rel}?",
        "My {rel} is getting {poss} first phone and I'd like to put {obj} on my plan.",
        "B|We need an extra line for {employee} starting {future_when}.",
        "I'd like to add {gadget} to my account.",
        "How much would it cost to add a line for my {rel}?",
        "My {rel} is moving in with us and wants to join our {plan} plan.",
        "I need a second line for my side business.",
        "Please set up a new line on my account, my {rel} is getting {a_device}.",
        "B|We're hiring {small_number} people and need phone numbers set up for each of them.",
        "Can I add a line without signing a new contract?",
        "My {rel} wants to bring {poss} number over from another carrier and join my plan.",
        "I want to get my {rel} a phone and put it on our family plan.",
        "Is there a discount for adding a third line?",
        "I'd like to add a smartwatch with its own number.",
        "B|Our office needs {small_number} more lines for the sales team.",
        "My {rel} turns {age} next week and I'm getting {obj} a phone, so I need another line.",
        "I'd like an extra SIM on my account for {gadget}.",
        "Can you add one more line to my account?",
        "I want my {rel} on my plan instead of paying for {obj} separately.",
        "B|We're opening a second location and need a few new numbers.",
        "What do I need to do to add my {rel} to our account?",
        "I just bought my {rel} {a_device} and want to activate it on my plan.",
        "I need a line for a tablet the kids share.",
        "Our nanny needs a work phone and I'd like to put it on my account.",
        "Could I add a data-only line for my car's hotspot?",
        "I'm looking to add two lines, one for my {rel} and one for me.",
        "Please add a line to the account ending in {account4} for my {rel}.",
        "I want to put my {rel} on my {plan} plan, what would that run per month?",
        "Our family's getting bigger, my {rel} needs a phone number of {poss} own.",
        "B|I need to add a line for {employee}, what information do you need?",
        "My {rel} keeps borrowing my phone, so I'd like to give {obj} a line on our account.",
        "I'd like to add my {rel}'s phone to our account so we're all on one bill.",
        "Can my {rel} join my plan? {pron_has} an unlocked {device}.",
        "B|We'd like to add {small_number} lines to our business account for the new field team.",
        "Do you have a deal on a new line right now? I want one for my {rel}.",
    ),
    "Closing account": (
        "Please cancel my service, I'm moving {move_where}.",
        "I'd like to close my account.",
        "I want to cancel my {plan} plan at the end of this billing cycle.",
        "I'm moving {move_where} and won't need my {service_noun} anymore, "
        "so please close the account.",
        "My father passed away and I need to close his account.",
        "I found a cheaper deal with another provider, so I'm ending my service with you.",
        "Please disconnect my {service_noun} effective {end_date}.",
        "How do I cancel? I can't find the option anywhere in the app.",
        "I want to terminate my contract. What's the early termination fee?",
        "B|We're closing our business at the end of {month} and need to shut off our internet.",
        "C|I'm switching to another company, please close my account once my number is ported out.",
        "I no longer need this account, please close it.",
        "I've been trying to cancel for weeks and keep getting transferred around.",
        "I'd like to end my service. I'm moving in with my partner, who already has a plan.",
        "Please stop my service and send me the final bill.",
        "My contract is up next month and I won't be renewing, please close the account then.",
        "My mother is going into a care home and we need to cancel her service.",
        "C|Please cancel the line ending in {last4}, I don't use it anymore.",
        "B|We're consolidating everything with one provider, so we're cancelling "
        "our business internet with you.",
        "I'm done. Please cancel everything on my account.",
        "H|I'm selling the house and need the home internet shut off by {end_date}.",
        "I|Please close my account and tell me where to return the equipment.",
        "I want out of my contract, how do I cancel without a penalty?",
        "Can you confirm my account will be closed on {end_date}?",
        "B|Our company got acquired and we won't need these accounts after {month}, "
        "please cancel them.",
        "I'd like to cancel and get a refund for the unused days.",
        "H|I'm moving back in with my parents, so I need to cancel my internet.",
        "Please don't renew my contract, I want to close the account when it ends.",
        "C|My company is giving me a work phone, so I'd like to cancel my personal line.",
        "I'm not happy with the price increases and I want to cancel.",
        "How much notice do I need to give to close my account?",
        "The account is in my late husband's name and I'd like to close it.",
        "C|I want to port my number to another carrier and close this account.",
        "Please terminate my {service_noun}, since I'm moving {move_where}.",
        "I'm giving up my {service_noun}. Please close the account and don't bill me again.",
        "H|We bought a house that already has fiber, so please cancel our internet with you.",
        "I don't need the {plan} plan anymore, please shut the account down.",
        "My {service_noun} needs to be cancelled, I'm moving {move_where}.",
    ),
}
DETAILS: dict[str, tuple[str, ...]] = {
    "Roaming fees": (
        "I was only there for {days} days.",
        "I checked my settings before I left and data roaming was off.",
        "Nobody told me the travel pass doesn't work in {country}.",
        "Most of the time I was on the hotel wifi.",
        "My usual bill is around {bill_amount}.",
        "The charges are dated {date}.",
        "I'm on the {plan} plan.",
        "I've traveled with you before and never had this problem.",
        "I only used maps and sent a few messages.",
        "The text I got when I landed didn't mention a daily fee.",
        "I turned off mobile data on my {device} before I left.",
        "The trip was for a family funeral, so I really wasn't using my phone much.",
        "I travel to {country} a lot for work, so I need something that makes sense.",
        "I can send a screenshot of the charges if that helps.",
        'It says "International Data Usage" on the bill.',
        'The line item just says "Roaming - {country}".',
        "I've been with you for {years} years and never been charged like this.",
        "That's more than the flight cost.",
    ),
    UPCOMING_TRIP: (
        "I'll be there for {days} days.",
        "I'm on the {plan} plan.",
        "I mostly need maps and messaging.",
        "I travel to {country} a lot for work, so I need something that makes sense.",
        "My phone is {a_device}, if that matters.",
        "Everyone on our account is going, so that's {small_number} phones.",
        "I'd rather not come home to a surprise on my bill.",
        'A friend told me about a "Travel Pass" but I can\'t find it in the app.',
    ),
    "Slow data speed": (
        "I've already restarted everything and it didn't help.",
        "It's been like this since {since}.",
        "I've tried turning it off and on again.",
        "Nothing has changed on our end.",
        "My neighbors don't seem to have the same problem.",
        "I'm on the {plan} plan.",
        "It's worst in the evenings.",
        "I work from home, so this is costing me real time.",
        "It was fine until {since}.",
        'I|The speed test says "{mbps_got} Mbps" every single time.',
        'C|The speed test app says "{mbps_low} Mbps" every single time.',
        "I|We've got {small_number} devices connected, nothing unusual.",
        "C|I've already checked for updates on my {device}.",
        "C|I've got plenty of data left this month.",
        "I|I've tried both the 2.4 and 5 GHz networks.",
        "I've been paying full price for something that barely works.",
        "It's been this way for {days} days now.",
    ),
    "Lost phone": (
        "It's {a_device}.",
        "I've already filed a police report.",
        "I tried calling it but it goes straight to voicemail.",
        "The tracking app shows it offline.",
        "The number ends in {last4}.",
        "I have banking apps and all my photos on it.",
        "I'm using my friend's phone to send this.",
        "I think I have device protection on my account.",
        "It had a {color} case on it, in case someone turns it in.",
        "I last saw it {time_of_day}.",
        "I'm writing this from my work computer.",
        "My whole life is on that phone.",
        "It was only {small_number} months old.",
        "I still owe money on it.",
        'The lock screen says "If found, please call" with my work number.',
    ),
    "Add new line": (
        "The phone's already unlocked, so we just need a SIM.",
        "I'd like to keep everything on one bill.",
        "I'm the account holder and I've been with you for {years} years.",
        "We're on the {plan} plan right now.",
        'I saw an ad for the "{promo}" promotion.',
        "My account number ends in {account4}.",
        "It would be great if it could be ready by this weekend.",
        "Right now we have {small_number} lines on the account.",
        "We don't need anything fancy, just calls, texts and some data.",
        "I'd like the same data allowance I have.",
    ),
    "Closing account": (
        "I've been a customer for {years} years, but it's time.",
        "My last day at this address is {end_date}.",
        "The account number ends in {account4}.",
        "I already paid this month's bill.",
        "I|I still have the modem and the router here.",
        "Nothing personal, it just doesn't make sense for me anymore.",
        "The price went up to {bill_amount} a month, which I can't afford.",
        "I've already got service set up at my new place.",
        "I'm the only one on the account.",
        'The account is under "{name}" in case you need to look it up.',
    ),
}
ASKS: dict[str, tuple[str, ...]] = {
    "Roaming fees": (
        "Can you refund these charges?",
        "Please remove the fees from my account.",
        "I'd like a credit for the overcharge.",
        "Can someone walk me through these charges?",
        "I'd like to dispute this.",
        "I'm not paying {amount} for a few texts.",
        "Please waive the fees, it was my first time traveling with this phone.",
        "How do I make sure this doesn't happen again when I travel?",
        "Can you explain how these fees were calculated?",
        "Please look at my bill and fix it.",
    ),
    UPCOMING_TRIP: (
        "What's the cheapest way to use my phone while I'm there?",
        "Please let me know what the rates are.",
        "Could you set up a travel option for me?",
        "Can you tell me which countries are covered?",
        "Is there a daily pass I can buy before I go?",
        "What do you recommend?",
    ),
    "Slow data speed": (
        "Can you check if there's a problem in my area?",
        "Please fix this, I'm paying for a lot more than I'm getting.",
        "I|Could you send a technician?",
        "Is something wrong with my connection?",
        "What can be done to get my speed back to normal?",
        "Please look into it.",
        "Can you run a test on your end?",
        "I'd like someone to look at this as soon as possible.",
        "I|Can you reset the modem from your side?",
        "Is there an outage I don't know about?",
        "Should I be getting a credit for the days it's been this slow?",
    ),
    "Lost phone": (
        "Please block my SIM so nobody can use it.",
        "Can you suspend service on that phone until I find it?",
        "How do I get a replacement phone?",
        "I need a new SIM with my same number.",
        "Please blacklist the IMEI.",
        "Can you lock the device?",
        "What are my options for a replacement?",
        "How do I file an insurance claim?",
        "I need my number working again as soon as possible.",
        "Can you make sure nobody runs up charges on my account?",
        "Please help me protect my account.",
    ),
    "Add new line": (
        "What's the monthly cost?",
        "Can you tell me what I need to do?",
        "Is there a promotion for new lines right now?",
        "Can we do this online or do I need to come into a store?",
        "Please send me the steps.",
        "How soon can it be activated?",
        "Will you mail the SIM or do I pick it up?",
        "Does the new line get the same data as mine?",
    ),
    "Closing account": (
        "Please confirm once it's done.",
        "What do I need to do to make it official?",
        "Let me know if there are any fees.",
        "Please make sure I'm not billed after {end_date}.",
        "Will I get a refund for the rest of the month?",
        "Please process this as soon as possible.",
        "I|Where do I send the equipment back?",
        "Can you send me written confirmation?",
    ),
}

_SERVICE_TAGS: dict[str, tuple[str, ...]] = {
    "C": ("Cellular",),
    "H": ("Home Internet",),
    "B": ("Business Internet",),
    "I": ("Home Internet", "Business Internet"),
}
# --------------------------------------------------------------------------------------------
# New wording (wording="shifted"): how customers write from some day on, for the day-by-day
# simulation (benchmarks/daily_simulation.py). Two categories are written in new words and the
# category mix moves; the other categories keep their templates.
# --------------------------------------------------------------------------------------------

WORDINGS: tuple[str, ...] = ("standard", "shifted")
SHIFTED_CATEGORY_SHARES: dict[str, float] = {
    "Roaming fees": 0.30,
    "Slow data speed": 0.15,
    "Lost phone": 0.27,
    "Add new line": 0.14,
    "Closing account": 0.14,
}
SHIFTED_THEMES: dict[str, str] = {
    "Roaming fees": "Roaming fees: new wording",
    "Lost phone": "Lost phone: new wording",
}
SHIFTED_CORES: dict[str, tuple[str, ...]] = {
    "Roaming fees: new wording": (
        "Came back from my getaway to {city} and there's {amount} of out-of-network usage on my account.",
        "Why does my account show {amount} for using my mobile while I was in {country} last week?",
        "My eSIM from you racked up {amount} during my stay in {city}, I never agreed to that.",
        "I was on a layover in {city} for one afternoon and now I owe you {amount}.",
        "Your app says I used {data_gb} in {country}. I was on hotel wifi the whole stay.",
        "Got a nasty surprise: {amount} for a long weekend in {city}.",
        "I spent {days} nights in {country} visiting family and the add-on you sold me did nothing.",
        "Somehow my week in {city} cost {amount} on top of the normal monthly amount.",
        "The out-of-country usage on my latest invoice is {amount}, please look into it.",
        "While I was in {country} my phone kept using mobile data in the background and I got hit with {amount}.",
    ),
    "Lost phone: new wording": (
        "Somebody nicked my {device} {place} yesterday.",
        "My mobile got swiped {place} and I can't find it anywhere.",
        "I left my handset {place} and it's gone, nobody handed it in.",
        "My {device} fell out of my pocket {place}, I have no idea where it is now.",
        "I got pickpocketed {place}, my {device} was taken.",
        "My daughter's handset vanished {place} on {date}.",
        "I can't locate my mobile since I was {place}, Find My shows it offline.",
        "My {device} was snatched out of my hand {place}.",
    ),
}
SHIFTED_DETAILS: dict[str, tuple[str, ...]] = {
    "Roaming fees: new wording": (
        "Nobody told me the add-on only covered texts.",
        "The statement lists it as out-of-network usage.",
        "I turned on the eSIM the day I landed.",
    ),
    "Lost phone: new wording": (
        "It had a {color} case on it.",
        "I've already changed my banking passwords.",
        "The police gave me a report number.",
    ),
}
SHIFTED_ASKS: dict[str, tuple[str, ...]] = {
    "Roaming fees: new wording": (
        "Please take that amount off.",
        "Can someone look at those usage lines?",
    ),
    "Lost phone: new wording": (
        "Please lock the SIM so nobody can use it.",
        "How do I get a replacement handset?",
    ),
}

_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class _Template:
    text: str
    fields: tuple[str, ...]
    sentences: int

    def render(self, rng: random.Random, ctx: Context) -> str:
        for field in self.fields:
            if field not in ctx:
                SLOTS[field](rng, ctx)
        return self.text.format_map(ctx) if self.fields else self.text


Pool = dict[str, tuple[_Template, ...]]


def _cumulative(weights: Iterable[int | float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for weight in weights:
        total += weight
        out.append(total)
    return out


def _compile(texts: Iterable[str]) -> Pool:
    pools: dict[str, list[_Template]] = {service: [] for service in SERVICE_TYPES}
    for raw in texts:
        tag, sep, rest = raw.partition("|")
        services, text = (_SERVICE_TAGS[tag], rest) if sep else (SERVICE_TYPES, raw)
        fields = tuple(dict.fromkeys(f for _, f, _, _ in _FORMATTER.parse(text) if f))
        template = _Template(text, fields, max(1, len(_SENTENCE_END.findall(text))))
        for service in services:
            pools[service].append(template)
    return {service: tuple(templates) for service, templates in pools.items()}


# --------------------------------------------------------------------------------------------
# Slot fillers: each sets one or more context keys (correlated values are set together).
# --------------------------------------------------------------------------------------------


def _choice(key: str, pool: Sequence[str]) -> SlotFiller:
    def fill(rng: random.Random, ctx: Context) -> None:
        ctx[key] = pool[int(rng.random() * len(pool))]

    return fill


def _by_service(key: str, pools: dict[str, tuple[str, ...]]) -> SlotFiller:
    def fill(rng: random.Random, ctx: Context) -> None:
        pool = pools[ctx["service"]]
        ctx[key] = pool[int(rng.random() * len(pool))]

    return fill


def _fill_destination(rng: random.Random, ctx: Context) -> None:
    ctx["city"], ctx["country"] = rng.choice(DESTINATIONS)


def _fill_relation(rng: random.Random, ctx: Context) -> None:
    relation, obj, poss = rng.choice(RELATIONS)
    ctx["obj"], ctx["poss"] = obj, poss
    if rng.random() < 0.25:
        relation = f"{relation} {rng.choice(RELATION_NAMES[obj])}"
    ctx["rel"] = relation
    ctx["pron_has"] = {"her": "She has", "him": "He has", "them": "They have"}[obj]


def _fill_amount(rng: random.Random, ctx: Context) -> None:
    dollars = rng.randint(18, 480)
    ctx["amount"] = f"${dollars}" if rng.random() < 0.6 else f"${dollars}.{rng.randint(0, 99):02d}"


def _fill_bill_amount(rng: random.Random, ctx: Context) -> None:
    ctx["bill_amount"] = f"${rng.randint(45, 240)}" + rng.choice(("", ".99", ".50"))


def _date_text(rng: random.Random) -> str:
    day = rng.randint(1, 28)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    month = rng.choice(MONTHS)
    return f"{month} {day}" if rng.random() < 0.5 else f"{month} {day}{suffix}"


def _fill_date(rng: random.Random, ctx: Context) -> None:
    ctx["date"] = _date_text(rng)


def _fill_device(rng: random.Random, ctx: Context) -> None:
    device = rng.choice(PHONES)
    vowel_sound = device[0] in "iAEIOU" and not device.startswith("One")
    ctx["device"] = device
    ctx["a_device"] = f"{'an' if vowel_sound else 'a'} {device}"


def _fill_end_date(rng: random.Random, ctx: Context) -> None:
    ctx["end_date"] = rng.choice(END_DATES) if rng.random() < 0.3 else _date_text(rng)


def _fill_plan(rng: random.Random, ctx: Context) -> None:
    service = ctx["service"] if ctx["category"] in SERVICE_SPECIFIC_CATEGORIES else "Cellular"
    name = rng.choice(PLANS[service])
    ctx["plan"] = f'"{name}"' if rng.random() < QUOTED_PLAN_SHARE else name


def _fill_int(key: str, low: int, high: int) -> SlotFiller:
    def fill(rng: random.Random, ctx: Context) -> None:
        ctx[key] = str(rng.randint(low, high))

    return fill


def _fill_digits(key: str, width: int) -> SlotFiller:
    def fill(rng: random.Random, ctx: Context) -> None:
        ctx[key] = f"{rng.randrange(10**width):0{width}d}"

    return fill


SLOTS: dict[str, SlotFiller] = {
    "city": _fill_destination,
    "country": _fill_destination,
    "amount": _fill_amount,
    "bill_amount": _fill_bill_amount,
    "pass_price": _choice("pass_price", PASS_PRICES),
    "when": _choice("when", PAST_WHEN),
    "date": _fill_date,
    "future_when": _choice("future_when", FUTURE_WHEN),
    "days": _fill_int("days", 3, 21),
    "years": _fill_int("years", 2, 19),
    "age": _fill_int("age", 10, 17),
    "last4": _fill_digits("last4", 4),
    "account4": _fill_digits("account4", 4),
    "since": _choice("since", SINCE),
    "device": _fill_device,
    "a_device": _fill_device,
    "end_date": _fill_end_date,
    "gadget": _choice("gadget", GADGETS),
    "plan": _fill_plan,
    "promo": _choice("promo", PROMOS),
    "data_gb": _choice("data_gb", DATA_AMOUNTS),
    "mbps_low": _choice("mbps_low", LOW_MOBILE_MBPS),
    "mbps_paid": _by_service("mbps_paid", PAID_MBPS),
    "mbps_got": _fill_int("mbps_got", 3, 60),
    "app": _choice("app", APPS),
    "video_app": _choice("video_app", VIDEO_APPS),
    "call_app": _choice("call_app", CALL_APPS),
    "music_app": _choice("music_app", MUSIC_APPS),
    "place": _choice("place", LOST_PLACES),
    "station": _choice("station", STATIONS),
    "street": _choice("street", STREETS),
    "color": _choice("color", COLORS),
    "time_of_day": _choice("time_of_day", TIMES_OF_DAY),
    "small_number": _choice("small_number", SMALL_NUMBERS),
    "rel": _fill_relation,
    "pron_has": _fill_relation,
    "obj": _fill_relation,
    "poss": _fill_relation,
    "employee": _choice("employee", EMPLOYEES),
    "month": _choice("month", MONTHS),
    "move_where": _choice("move_where", MOVE_WHERE),
    "service_noun": _by_service("service_noun", SERVICE_NOUNS),
}

_CORES: dict[str, Pool] = {theme: _compile(texts) for theme, texts in CORES.items()}
_DETAILS: dict[str, Pool] = {theme: _compile(texts) for theme, texts in DETAILS.items()}
_ASKS: dict[str, Pool] = {theme: _compile(texts) for theme, texts in ASKS.items()}
_CORES.update({theme: _compile(texts) for theme, texts in SHIFTED_CORES.items()})
_DETAILS.update({theme: _compile(texts) for theme, texts in SHIFTED_DETAILS.items()})
_ASKS.update({theme: _compile(texts) for theme, texts in SHIFTED_ASKS.items()})
_THEME_CHOICES: dict[str, tuple[tuple[str, ...], list[float]]] = {
    category: (tuple(t for t, _ in themes), _cumulative(w for _, w in themes))
    for category, themes in THEMES.items()
}
_SHIFTED_THEME_CHOICES: dict[str, tuple[tuple[str, ...], list[float]]] = _THEME_CHOICES | {
    category: ((theme,), [1.0]) for category, theme in SHIFTED_THEMES.items()
}
_LEADS: Pool = _compile(LEADS)
_CLOSINGS: Pool = _compile(CLOSINGS)
_CONTACT_CLOSINGS: dict[str, Pool] = {
    preference: _compile(texts) for preference, texts in CONTACT_CLOSINGS.items()
}


# --------------------------------------------------------------------------------------------
# Generation.
# --------------------------------------------------------------------------------------------


_SERVICE_CUM: dict[str, list[float]] = {
    category: _cumulative(weights) for category, weights in SERVICE_WEIGHTS.items()
}
_DOMAINS, _DOMAIN_CUM = (
    tuple(d for d, _ in PERSONAL_DOMAINS),
    _cumulative(w for _, w in PERSONAL_DOMAINS),
)
_EMAIL_FORMATS, _EMAIL_FORMAT_CUM = (
    tuple(f for f, _ in EMAIL_FORMATS),
    _cumulative(w for _, w in EMAIL_FORMATS),
)


def _weighted(rng: random.Random, population: Sequence[str], cum: list[float]) -> str:
    return rng.choices(population, cum_weights=cum)[0]


def default_duplicate_count(count: int) -> int:
    """About 1% of the tickets, at least 3 once there are 100 tickets or more."""
    return max(3, round(count / 100)) if count >= 100 else count // 100


def _check_categories(shares: dict[str, float]) -> None:
    """Every category of the seed needs the generator's request templates and shares."""
    missing = [c for c in CATEGORIES if c not in CORES or c not in shares]
    if missing:
        raise SystemExit(
            f"generate_tickets: no request templates for the categories {', '.join(missing)} of "
            f"{CATEGORIES_SEED}: the generator writes the quickstart's telecom requests only "
            f"({', '.join(CORES)}). Bring your own tickets instead (make run TICKETS=...)."
        )


def _allocate_categories(
    count: int, rng: random.Random, shares: dict[str, float] = CATEGORY_SHARES
) -> list[str]:
    _check_categories(shares)
    exact = [shares[c] * count for c in CATEGORIES]
    quotas = [int(x) for x in exact]
    by_remainder = sorted(range(len(CATEGORIES)), key=lambda i: (-(exact[i] - quotas[i]), i))
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    categories = [c for c, quota in zip(CATEGORIES, quotas, strict=True) for _ in range(quota)]
    rng.shuffle(categories)
    return categories


def _ticket_ids(count: int, rng: random.Random) -> list[str]:
    ids: list[int] = []
    carry = 0
    for width in range(3, 19):
        if len(ids) == count:
            break
        if width < ID_LAST_SHARED_WIDTH:
            wanted = carry + round(ID_WIDTH_SHARES.get(width, 0.0) * count)
        else:
            wanted = count - len(ids)
        low, high = 10 ** (width - 1), 10**width
        take = min(wanted, (high - low) // 2)
        ids.extend(rng.sample(range(low, high), take))
        carry = wanted - take
    rng.shuffle(ids)
    return [str(i) for i in ids]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(ASCII_FOLD))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9-]", "", ascii_only.lower())


def _customer(rng: random.Random, non_ascii: bool) -> _Customer:
    if non_ascii:
        if rng.random() < 0.3:
            display, first, email_first, email_last = rng.choice(WHOLE_NAMES)
            return _Customer(display, first, email_first, email_last)
        firsts, lasts = rng.choice(NON_ASCII_GROUPS)
        first, last = rng.choice(firsts), rng.choice(lasts)
        while (first + last).isascii():
            first = rng.choice(firsts)
    else:
        first, last = rng.choice(ASCII_FIRST_NAMES), rng.choice(ASCII_LAST_NAMES)
    display = f"{first} {last}"
    if rng.random() < 0.05:
        display = f"{first} {rng.choice(string.ascii_uppercase)}. {last}"
    return _Customer(display, first, _fold(first), _fold(last))


def _email(rng: random.Random, customer: _Customer, service: str, uppercase: bool) -> str:
    first, last = customer.email_first, customer.email_last
    local = _weighted(rng, _EMAIL_FORMATS, _EMAIL_FORMAT_CUM).format(
        f=first,
        l=last,
        fi=first[:1],
        li=last[:1],
        n2=rng.randint(1, 99),
        year=rng.randint(1955, 2006),
    )
    if service == "Business Internet" and rng.random() < 0.5:
        domain = rng.choice(BUSINESS_DOMAINS)
    else:
        domain = _weighted(rng, _DOMAINS, _DOMAIN_CUM)
    if uppercase:
        style = rng.random()
        if style < 0.6:
            local = ".".join(part[:1].upper() + part[1:] for part in local.split("."))
        elif style < 0.8:
            return f"{local}@{domain}".upper()
        else:
            domain = domain[:1].upper() + domain[1:]
            local = local[:1].upper() + local[1:]
    return f"{local}@{domain}"


def _pick(rng: random.Random, pool: tuple[_Template, ...]) -> _Template:
    return pool[int(rng.random() * len(pool))]


def _request(
    rng: random.Random,
    category: str,
    service: str,
    contact: str,
    customer: _Customer,
    multiline: bool,
    theme_choices: dict[str, tuple[tuple[str, ...], list[float]]] = _THEME_CHOICES,
) -> str:
    ctx: Context = {
        "service": service,
        "category": category,
        "first": customer.first,
        "name": customer.display,
    }
    themes, theme_cum = theme_choices[category]
    theme = themes[0] if len(themes) == 1 else _weighted(rng, themes, theme_cum)
    core = _pick(rng, _CORES[theme][service])
    planned: list[_Template] = []
    if rng.random() < 0.12:
        planned.append(_pick(rng, _LEADS[service]))
    planned.append(core)
    detail_count = rng.choice((0, 0, 1, 1, 1, 2))
    details = [_pick(rng, _DETAILS[theme][service]) for _ in range(detail_count)]
    ask = [_pick(rng, _ASKS[theme][service])] if rng.random() < 0.6 else []
    tail = details + ask if rng.random() < 0.75 else ask + details
    planned.extend(dict.fromkeys(tail))
    closing_roll = rng.random()
    if closing_roll < 0.08:
        planned.append(_pick(rng, _CONTACT_CLOSINGS[contact][service]))
    elif closing_roll < 0.35:
        planned.append(_pick(rng, _CLOSINGS[service]))
    if multiline and sum(t.sentences for t in planned) < 2:
        planned.append(_pick(rng, _ASKS[theme][service]))

    pieces: list[str] = []
    total = 0
    for template in planned:
        if template is not core and total + template.sentences > MAX_SENTENCES:
            continue
        pieces.append(template.render(rng, ctx))
        total += template.sentences

    greeting = rng.choice(GREETINGS) if rng.random() < (0.6 if multiline else 0.25) else ""
    if multiline:
        return _multiline(rng, greeting, pieces, customer)
    if not greeting:
        return " ".join(pieces)
    opening = planned[0].text
    if not opening.startswith(("{", "I ", "I'")) and rng.random() < 0.7:
        pieces[0] = pieces[0][:1].lower() + pieces[0][1:]
    return " ".join((greeting, *pieces))


def _multiline(rng: random.Random, greeting: str, pieces: list[str], customer: _Customer) -> str:
    blocks: list[str] = []
    if greeting:
        blocks.append(greeting)
    if len(pieces) >= 2 and (not greeting or rng.random() < 0.6):
        cut = rng.randint(1, len(pieces) - 1)
        blocks.extend((" ".join(pieces[:cut]), " ".join(pieces[cut:])))
    else:
        blocks.append(" ".join(pieces))
    if len(blocks) < 2 or rng.random() < 0.45:
        blocks.append(rng.choice(SIGN_OFFS).format(first=customer.first))
    separator = "\n\n" if rng.random() < 0.4 else "\n"
    return separator.join(blocks)


def _pad(rng: random.Random, value: str) -> str:
    return rng.choice((f" {value}", f"{value} ", f" {value} ", f"  {value}", f"{value}  "))


_PADDABLE: tuple[str, ...] = (
    "customer_name",
    "customer_email",
    "request",
    "service_type",
    "contact_preference",
)
_PAD_CUM = _cumulative((30, 25, 25, 10, 10))


def _ticket(
    rng: random.Random,
    ticket_id: str,
    category: str,
    flags: frozenset[str],
    theme_choices: dict[str, tuple[tuple[str, ...], list[float]]] = _THEME_CHOICES,
) -> Ticket:
    service = _weighted(rng, SERVICE_TYPES, _SERVICE_CUM[category])
    contact = CONTACT_PREFERENCES[0] if rng.random() < EMAIL_SHARE else CONTACT_PREFERENCES[1]
    customer = _customer(rng, "non_ascii" in flags)
    email = _email(rng, customer, service, "uppercase_email" in flags)
    request = _request(
        rng, category, service, contact, customer, "multiline" in flags, theme_choices
    )
    if "curly" in flags:
        request = request.replace("'", "\u2019")
    fields = {
        "customer_name": customer.display,
        "customer_email": email,
        "request": request,
        "service_type": service,
        "contact_preference": contact,
    }
    if "padded" in flags:
        for _ in range(1 if rng.random() < 0.8 else 2):
            name = _weighted(rng, _PADDABLE, _PAD_CUM)
            fields[name] = _pad(rng, fields[name].strip())
    return Ticket(ticket_id=ticket_id, intended_category=category, **fields)


def _flags(count: int, rng: random.Random) -> list[frozenset[str]]:
    marked: list[set[str]] = [set() for _ in range(count)]
    for flag, share in (
        ("non_ascii", NON_ASCII_NAME_SHARE),
        ("multiline", MULTILINE_SHARE),
        ("padded", PADDED_SHARE),
        ("uppercase_email", UPPERCASE_EMAIL_SHARE),
        ("curly", CURLY_APOSTROPHE_SHARE),
    ):
        for index in rng.sample(range(count), round(share * count)):
            marked[index].add(flag)
    return [frozenset(m) for m in marked]


def _differs(a: Ticket, b: Ticket) -> bool:
    return (
        a.customer_name.strip() != b.customer_name.strip()
        and a.customer_email.strip().lower() != b.customer_email.strip().lower()
        and a.request.strip() != b.request.strip()
    )


def generate_tickets(
    count: int,
    seed: int = DEFAULT_SEED,
    duplicate_count: int | None = None,
    wording: str = "standard",
) -> list[Ticket]:
    """Return ``count`` tickets; the same arguments always give the same tickets.

    ``duplicate_count`` tickets reuse the ticket_id of an earlier ticket (which belongs to a
    different customer with a different request); by default about 1% of ``count``.
    ``wording="shifted"`` writes two categories in new words (SHIFTED_CORES) with another
    category mix (SHIFTED_CATEGORY_SHARES); the ticket ids are the same as with "standard".
    """
    if wording not in WORDINGS:
        raise ValueError(f"wording must be one of {', '.join(WORDINGS)}, got {wording!r}")
    shifted = wording == "shifted"
    shares = SHIFTED_CATEGORY_SHARES if shifted else CATEGORY_SHARES
    theme_choices = _SHIFTED_THEME_CHOICES if shifted else _THEME_CHOICES
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    if duplicate_count is None:
        duplicate_count = default_duplicate_count(count)
    if not 0 <= duplicate_count <= count // 2:
        raise ValueError(
            f"duplicate_count must be between 0 and {count // 2}, got {duplicate_count}"
        )

    rng = random.Random(seed)
    categories = _allocate_categories(count, rng, shares)
    ids = _ticket_ids(count, rng)
    flags = _flags(count, rng)
    tickets = [_ticket(rng, ids[i], categories[i], flags[i], theme_choices) for i in range(count)]

    chosen = rng.sample(range(count), 2 * duplicate_count)
    for original, duplicate in zip(chosen[::2], chosen[1::2], strict=True):
        first, second = sorted((original, duplicate))
        copy = replace(tickets[second], ticket_id=tickets[first].ticket_id)
        while not _differs(tickets[first], copy):
            copy = _ticket(
                rng, tickets[first].ticket_id, categories[second], flags[second], theme_choices
            )
        tickets[second] = copy
    return tickets


def write_csv(tickets: Iterable[Ticket], path: str | Path) -> None:
    """Write the seed columns (not intended_category), RFC 4180 quoting, UTF-8, '\\n' rows."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(CSV_COLUMNS)
        writer.writerows(ticket.csv_row() for ticket in tickets)


def write_answer_key(tickets: Iterable[Ticket], path: str | Path) -> None:
    """Write ticket_id,intended_category in ticket order (duplicated ids appear twice)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(ANSWER_KEY_COLUMNS)
        writer.writerows((ticket.ticket_id, ticket.intended_category) for ticket in tickets)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="number of tickets")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument(
        "--duplicates",
        type=int,
        default=None,
        help="tickets reusing another ticket's id (default: about 1%% of count)",
    )
    parser.add_argument(
        "--wording",
        choices=WORDINGS,
        default="standard",
        help="'shifted': two categories in new words and another category mix",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="CSV to write")
    parser.add_argument(
        "--answer-key", type=Path, default=None, help="also write ticket_id,intended_category"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        tickets = generate_tickets(args.count, args.seed, args.duplicates, args.wording)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    write_csv(tickets, args.output)
    if args.answer_key is not None:
        args.answer_key.parent.mkdir(parents=True, exist_ok=True)
        write_answer_key(tickets, args.answer_key)
    print(f"wrote {len(tickets)} tickets to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
