"""Generate the project's instruction data set in AlpacaFarm's schema.

Every row is ``{"instruction": str, "input": str, "output": str}``. The rows come
from templates filled with slot values and from hand-written prompts with reference
answers. Arithmetic and conversion answers are computed, and every code answer
carries a check that ``tests/test_data.py`` runs. The script uses no network and no
randomness outside the fixed seed, so running it again rewrites the committed files
byte for byte.

The rows are split into ``sft`` (300), ``preference`` (700), ``unlabeled`` (100) and
``val`` (150) with every task type in every split, and no prompt (instruction plus
input) is shared between splits.

Usage::

    python data/make_instructions.py                 # rewrites data/instructions/
    python data/make_instructions.py --out /tmp/ins  # writes somewhere else
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 1234
SPLIT_SIZES = {"sft": 300, "preference": 700, "unlabeled": 100, "val": 150}
DEFAULT_OUT_DIR = Path(__file__).resolve().parent / "instructions"


@dataclass(frozen=True)
class Example:
    """One instruction with its reference output and the task type it belongs to.

    ``check`` is set for code answers only: Python source that raises
    ``AssertionError`` unless the code in ``output`` is correct. SQL checks read the
    query from the variable ``answer``.
    """

    task: str
    instruction: str
    input: str
    output: str
    check: str = ""

    def row(self) -> dict[str, str]:
        return {
            "instruction": self.instruction,
            "input": self.input,
            "output": self.output,
        }


def _join(words: list[str]) -> str:
    """Join words as in prose: "a", "a and b", "a, b and c"."""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def _number(value: float) -> str:
    """Format a number without a trailing ".0" and with thousands separators."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.10g}"


# --------------------------------------------------------------------------------------
# Arithmetic word problems (answers computed)
# --------------------------------------------------------------------------------------

PEOPLE = [
    ("Maya", "she", "her"),
    ("Leo", "he", "his"),
    ("Priya", "she", "her"),
    ("Omar", "he", "his"),
    ("Sofia", "she", "her"),
    ("Ben", "he", "his"),
    ("Aisha", "she", "her"),
    ("Lucas", "he", "his"),
    ("Emma", "she", "her"),
    ("Kenji", "he", "his"),
    ("Zara", "she", "her"),
    ("Noah", "he", "his"),
    ("Lina", "she", "her"),
    ("Mateo", "he", "his"),
    ("Grace", "she", "her"),
    ("Sam", "he", "his"),
    ("Hana", "she", "her"),
    ("Diego", "he", "his"),
    ("Nora", "she", "her"),
    ("Felix", "he", "his"),
]
COUNTABLE_ITEMS = [
    "apples",
    "pencils",
    "stickers",
    "marbles",
    "cookies",
    "books",
    "stamps",
    "seashells",
    "cards",
    "balloons",
    "crayons",
    "oranges",
]
PRICED_ITEMS = ["notebooks", "sandwiches", "tickets", "pens", "mugs", "candles"]
SALE_ITEMS = ["jacket", "pair of shoes", "backpack", "lamp", "board game", "watch"]
VEHICLES = ["train", "bus", "car", "truck", "ferry"]
FIELDS = ["garden", "room", "playground", "parking lot", "swimming pool"]


def _add(rng: random.Random) -> tuple[str, str]:
    name, he, _ = rng.choice(PEOPLE)
    item = rng.choice(COUNTABLE_ITEMS)
    a, b = rng.randint(5, 60), rng.randint(3, 40)
    return (
        (
            f"{name} has {a} {item}. {he.capitalize()} buys {b} more. "
            f"How many {item} does {he} have now?"
        ),
        f"{name} now has {a} + {b} = {a + b} {item}.",
    )


def _subtract(rng: random.Random) -> tuple[str, str]:
    name, he, _ = rng.choice(PEOPLE)
    item = rng.choice(COUNTABLE_ITEMS)
    a = rng.randint(20, 90)
    b = rng.randint(3, a - 5)
    return (
        (
            f"{name} had {a} {item} and gave {b} of them to a friend. "
            f"How many {item} does {he} have left?"
        ),
        f"{name} has {a} - {b} = {a - b} {item} left.",
    )


def _multiply(rng: random.Random) -> tuple[str, str]:
    item = rng.choice(COUNTABLE_ITEMS)
    per_box, boxes = rng.randint(3, 12), rng.randint(2, 12)
    return (
        f"A box holds {per_box} {item}. How many {item} are in {boxes} boxes?",
        f"There are {boxes} × {per_box} = {boxes * per_box} {item} in {boxes} boxes.",
    )


def _divide(rng: random.Random) -> tuple[str, str]:
    name, _, _ = rng.choice(PEOPLE)
    item = rng.choice(COUNTABLE_ITEMS)
    each, friends = rng.randint(2, 12), rng.randint(2, 9)
    total = each * friends
    return (
        (
            f"{name} shares {total} {item} equally among {friends} friends. "
            f"How many {item} does each friend get?"
        ),
        f"Each friend gets {total} ÷ {friends} = {each} {item}.",
    )


def _change(rng: random.Random) -> tuple[str, str]:
    name, he, _ = rng.choice(PEOPLE)
    item = rng.choice(PRICED_ITEMS)
    count, price = rng.randint(2, 6), rng.randint(2, 9)
    cost = count * price
    bill = next(b for b in (10, 20, 50, 100) if b > cost)
    return (
        (
            f"{name} buys {count} {item} that cost {price} dollars each and pays with "
            f"a {bill}-dollar bill. How much change does {he} get?"
        ),
        (
            f"The {item} cost {count} × {price} = {cost} dollars, so {name} gets "
            f"{bill} - {cost} = {bill - cost} dollars in change."
        ),
    )


def _discount(rng: random.Random) -> tuple[str, str]:
    item = rng.choice(SALE_ITEMS)
    price = rng.choice(range(20, 201, 20))
    percent = rng.choice([10, 20, 25, 50])
    discount = price * percent // 100
    return (
        (
            f"A {item} costs {price} dollars and is on sale for {percent}% off. "
            "What is the sale price?"
        ),
        (
            f"The discount is {percent}% of {price}, which is {discount} dollars, so the "
            f"sale price is {price} - {discount} = {price - discount} dollars."
        ),
    )


def _distance(rng: random.Random) -> tuple[str, str]:
    vehicle = rng.choice(VEHICLES)
    speed = rng.choice([40, 50, 60, 70, 80, 90, 100, 120])
    hours = rng.randint(2, 6)
    return (
        (
            f"A {vehicle} travels at {speed} km per hour for {hours} hours. "
            "How far does it travel?"
        ),
        f"The {vehicle} travels {speed} × {hours} = {speed * hours} km.",
    )


def _average(rng: random.Random) -> tuple[str, str]:
    name, _, his = rng.choice(PEOPLE)
    a, b = rng.randint(60, 100), rng.randint(60, 100)
    c = rng.randint(60, 98)
    c += (-(a + b + c)) % 3
    total = a + b + c
    return (
        f"{name} scored {a}, {b} and {c} on three tests. What is {his} average score?",
        f"{name}'s average score is ({a} + {b} + {c}) ÷ 3 = {total} ÷ 3 = {total // 3}.",
    )


def _age(rng: random.Random) -> tuple[str, str]:
    name, _, his = rng.choice(PEOPLE)
    age, gap, years = rng.randint(5, 15), rng.randint(2, 8), rng.randint(2, 10)
    brother = age + gap
    return (
        (
            f"{name} is {age} years old, and {his} brother is {gap} years older. "
            f"How old will {his} brother be in {years} years?"
        ),
        (
            f"The brother is {age} + {gap} = {brother} years old now, so in {years} "
            f"years he will be {brother} + {years} = {brother + years}."
        ),
    )


def _area(rng: random.Random) -> tuple[str, str]:
    field = rng.choice(FIELDS)
    width, length = rng.randint(3, 20), rng.randint(4, 30)
    return (
        (
            f"A rectangular {field} is {width} meters wide and {length} meters long. "
            "What is its area?"
        ),
        f"The area is {width} × {length} = {width * length} square meters.",
    )


def _perimeter(rng: random.Random) -> tuple[str, str]:
    field = rng.choice(FIELDS)
    width, length = rng.randint(3, 20), rng.randint(4, 30)
    return (
        (
            f"A rectangular {field} is {width} meters wide and {length} meters long. "
            "What is its perimeter?"
        ),
        f"The perimeter is 2 × ({width} + {length}) = {2 * (width + length)} meters.",
    )


def _clock(minutes: int) -> str:
    """Format minutes after noon as a 12-hour afternoon or evening time."""
    hour, minute = divmod(minutes, 60)
    return f"{hour if hour else 12}:{minute:02d} pm"


def _end_time(rng: random.Random) -> tuple[str, str]:
    event = rng.choice(["movie", "concert", "football match", "play", "lecture"])
    start = rng.randint(1, 7) * 60 + rng.choice(range(0, 60, 5))
    duration = rng.choice(range(40, 151, 5))
    hours, minutes = divmod(duration, 60)
    spelled = f"{hours} hour{'s' if hours > 1 else ''} and {minutes} minutes"
    if minutes == 0:
        spelled = f"{hours} hour{'s' if hours > 1 else ''}"
    elif hours == 0:
        spelled = f"{minutes} minutes"
    return (
        (
            f"A {event} starts at {_clock(start)} and lasts {duration} minutes. "
            "When does it end?"
        ),
        (
            f"{duration} minutes is {spelled}, so the {event} ends at "
            f"{_clock(start + duration)}."
        ),
    )


def _savings(rng: random.Random) -> tuple[str, str]:
    name, _, _ = rng.choice(PEOPLE)
    weekly, weeks = rng.choice([5, 8, 10, 12, 15, 20, 25]), rng.randint(3, 12)
    target = weekly * weeks
    return (
        (
            f"{name} saves {weekly} dollars every week. "
            f"How many weeks does it take to save {target} dollars?"
        ),
        f"It takes {target} ÷ {weekly} = {weeks} weeks.",
    )


ARITHMETIC_TEMPLATES = [
    _add,
    _subtract,
    _multiply,
    _divide,
    _change,
    _discount,
    _distance,
    _average,
    _age,
    _area,
    _perimeter,
    _end_time,
    _savings,
]


def arithmetic_examples(rng: random.Random, count: int) -> list[Example]:
    """Fill the templates in turn with random numbers until ``count`` prompts exist."""
    seen: set[str] = set()
    examples = []
    attempt = 0
    while len(examples) < count:
        template = ARITHMETIC_TEMPLATES[attempt % len(ARITHMETIC_TEMPLATES)]
        attempt += 1
        instruction, output = template(rng)
        if instruction in seen:
            continue
        seen.add(instruction)
        examples.append(Example("arithmetic", instruction, "", output))
    return examples


# --------------------------------------------------------------------------------------
# Unit conversion (answers computed)
# --------------------------------------------------------------------------------------

# (larger unit, smaller unit, smaller units per larger unit)
UNIT_PAIRS = [
    ("kilometers", "meters", 1000),
    ("meters", "centimeters", 100),
    ("centimeters", "millimeters", 10),
    ("kilograms", "grams", 1000),
    ("liters", "milliliters", 1000),
    ("hours", "minutes", 60),
    ("minutes", "seconds", 60),
    ("days", "hours", 24),
    ("weeks", "days", 7),
    ("feet", "inches", 12),
    ("yards", "feet", 3),
    ("years", "months", 12),
]


def unit_conversion_examples(rng: random.Random, count: int) -> list[Example]:
    """Convert between metric, time and imperial units, and Celsius to Fahrenheit."""
    seen: set[str] = set()
    examples = []
    attempt = 0
    while len(examples) < count:
        kind = attempt % 3
        attempt += 1
        if kind == 2:
            celsius = rng.choice(range(-20, 101, 5))
            fahrenheit = celsius * 9 // 5 + 32
            instruction = f"Convert {celsius} degrees Celsius to degrees Fahrenheit."
            output = f"{celsius} °C is {celsius} × 9/5 + 32 = {fahrenheit} °F."
        else:
            large, small, factor = rng.choice(UNIT_PAIRS)
            amount = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 1.5, 2.5])
            if kind == 0:
                instruction = f"How many {small} are in {_number(amount)} {large}?"
                output = (
                    f"{_number(amount)} {large} is {_number(amount)} × {_number(factor)} = "
                    f"{_number(amount * factor)} {small}."
                )
            else:
                instruction = f"Convert {_number(amount * factor)} {small} to {large}."
                output = (
                    f"{_number(amount * factor)} {small} is "
                    f"{_number(amount * factor)} ÷ {_number(factor)} = {_number(amount)} {large}."
                )
        if instruction in seen:
            continue
        seen.add(instruction)
        examples.append(Example("unit_conversion", instruction, "", output))
    return examples


# --------------------------------------------------------------------------------------
# Extraction from a short text (answers known from the slot values)
# --------------------------------------------------------------------------------------

PLACES = ["library", "museum", "train station", "park", "bakery", "harbor", "market"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
CITIES = [
    "Lisbon",
    "Nairobi",
    "Osaka",
    "Toronto",
    "Lima",
    "Oslo",
    "Melbourne",
    "Cairo",
    "Denver",
    "Hanoi",
]
SURNAMES = ["Lopez", "Okafor", "Tanaka", "Schmidt", "Novak", "Haddad", "Reyes", "Kim"]
SHOP_GOODS = ["shirts", "hats", "scarves", "umbrellas", "belts", "gloves", "socks"]


def _people_mentioned(rng: random.Random) -> tuple[str, str, str]:
    names = [p[0] for p in rng.sample(PEOPLE, 3)]
    place, day = rng.choice(PLACES), rng.choice(WEEKDAYS)
    text = rng.choice(
        [
            f"{names[0]} and {names[1]} met {names[2]} at the {place} on {day}.",
            (
                f"On {day}, {names[0]} walked to the {place} with {names[1]} "
                f"while {names[2]} stayed home."
            ),
            (
                f"{names[0]} lent a bicycle to {names[1]}, who rode it to the {place} "
                f"to see {names[2]}."
            ),
        ]
    )
    instruction = rng.choice(
        [
            "List the names of the people mentioned in this text.",
            "Who is mentioned in this text? List their names.",
            "Extract the names of all people in the following sentence.",
        ]
    )
    return (
        instruction,
        text,
        f"The people mentioned are {_join(names)}.",
    )


def _numbers_mentioned(rng: random.Random) -> tuple[str, str, str]:
    goods = rng.sample(SHOP_GOODS, 3)
    counts = rng.sample(range(3, 99), 3)
    day = rng.choice(WEEKDAYS)
    text = (
        f"On {day} the shop sold {counts[0]} {goods[0]}, {counts[1]} {goods[1]} "
        f"and {counts[2]} {goods[2]}."
    )
    instruction = rng.choice(
        [
            "Extract every number from this sentence.",
            "List all the numbers that appear in this text.",
            "Which numbers are mentioned in the following sentence?",
        ]
    )
    return (
        instruction,
        text,
        f"The numbers are {_join([str(c) for c in counts])}.",
    )


def _email_mentioned(rng: random.Random) -> tuple[str, str, str]:
    name = rng.choice(PEOPLE)[0]
    surname = rng.choice(SURNAMES)
    domain = rng.choice(["example.com", "example.org", "example.net"])
    address = f"{name.lower()}.{surname.lower()}@{domain}"
    day = rng.choice(WEEKDAYS)
    text = rng.choice(
        [
            f"Hi team, please send the report to {address} before {day}. Thanks!",
            f"Questions about the event can go to {address}, and we reply by {day}.",
        ]
    )
    instruction = rng.choice(
        [
            "Find the email address in this message.",
            "Extract the email address from the following text.",
        ]
    )
    return (instruction, text, f"The email address is {address}.")


def _city_mentioned(rng: random.Random) -> tuple[str, str, str]:
    name = rng.choice(PEOPLE)[0]
    city = rng.choice(CITIES)
    place, day = rng.choice(PLACES), rng.choice(WEEKDAYS)
    text = rng.choice(
        [
            (
                f"After a long flight, {name} arrived in {city} on {day} "
                f"and went straight to the {place}."
            ),
            f"{name} has lived in {city} for years and visits the {place} every {day}.",
        ]
    )
    instruction = rng.choice(
        [
            "Which city is mentioned in this text?",
            "Name the city that appears in the following sentence.",
        ]
    )
    return (instruction, text, f"The city mentioned is {city}.")


EXTRACTION_TEMPLATES = [
    _people_mentioned,
    _numbers_mentioned,
    _email_mentioned,
    _city_mentioned,
]


def extraction_examples(rng: random.Random, count: int) -> list[Example]:
    """Ask for the names, numbers, e-mail address or city in a generated text."""
    seen: set[tuple[str, str]] = set()
    examples = []
    attempt = 0
    while len(examples) < count:
        template = EXTRACTION_TEMPLATES[attempt % len(EXTRACTION_TEMPLATES)]
        attempt += 1
        instruction, text, output = template(rng)
        if (instruction, text) in seen:
            continue
        seen.add((instruction, text))
        examples.append(Example("extraction", instruction, text, output))
    return examples


# --------------------------------------------------------------------------------------
# Sorting (answers computed or taken from a fixed order)
# --------------------------------------------------------------------------------------

SORT_WORDS = [
    "river",
    "candle",
    "banana",
    "window",
    "garden",
    "pencil",
    "orange",
    "lemon",
    "mountain",
    "zebra",
    "violin",
    "tiger",
    "kettle",
    "harbor",
    "jacket",
    "desert",
    "ladder",
    "forest",
    "igloo",
    "yogurt",
    "anchor",
    "quilt",
    "eagle",
    "needle",
]
PLANETS = [
    "Mercury",
    "Venus",
    "Earth",
    "Mars",
    "Jupiter",
    "Saturn",
    "Uranus",
    "Neptune",
]
# Ordered by typical adult body mass, with large gaps between neighbors.
ANIMALS_BY_SIZE = ["ant", "mouse", "rabbit", "sheep", "horse", "elephant", "blue whale"]


def _sort_words(rng: random.Random) -> tuple[str, str, str]:
    words = rng.sample(SORT_WORDS, rng.randint(4, 6))
    return (
        rng.choice(
            [
                "Sort these words in alphabetical order",
                "Put the following words in alphabetical order",
                "Arrange these words alphabetically",
            ]
        ),
        ", ".join(words),
        "In alphabetical order: " + ", ".join(sorted(words)),
    )


def _sort_numbers(rng: random.Random) -> tuple[str, str, str]:
    numbers = rng.sample(range(1, 200), rng.randint(5, 7))
    descending = rng.random() < 0.4
    order = "largest to smallest" if descending else "smallest to largest"
    return (
        f"Order these numbers from {order}",
        ", ".join(map(str, numbers)),
        f"From {order}: " + ", ".join(map(str, sorted(numbers, reverse=descending))),
    )


def _sort_planets(rng: random.Random) -> tuple[str, str, str]:
    planets = rng.sample(PLANETS, rng.randint(3, 5))
    ordered = sorted(planets, key=PLANETS.index)
    return (
        "Order these planets by their distance from the Sun, closest first",
        ", ".join(planets),
        "From closest to farthest: " + ", ".join(ordered),
    )


def _sort_animals(rng: random.Random) -> tuple[str, str, str]:
    animals = rng.sample(ANIMALS_BY_SIZE, rng.randint(3, 4))
    ordered = sorted(animals, key=ANIMALS_BY_SIZE.index)
    return (
        "Order these animals from smallest to largest",
        ", ".join(animals),
        "From smallest to largest: " + ", ".join(ordered),
    )


SORTING_TEMPLATES = [
    _sort_words,
    _sort_numbers,
    _sort_words,
    _sort_numbers,
    _sort_planets,
    _sort_animals,
]


def sorting_examples(rng: random.Random, count: int) -> list[Example]:
    """Sort words alphabetically, numbers by value, planets and animals by a fixed order.

    The items are part of the instruction, and ``input`` stays empty.
    """
    seen: set[str] = set()
    examples = []
    attempt = 0
    while len(examples) < count:
        template = SORTING_TEMPLATES[attempt % len(SORTING_TEMPLATES)]
        attempt += 1
        request, items, output = template(rng)
        instruction = f"{request}: {items}."
        if instruction in seen:
            continue
        seen.add(instruction)
        examples.append(Example("sorting", instruction, "", output + "."))
    return examples


# --------------------------------------------------------------------------------------
# Short code (every answer has a check that runs it)
# --------------------------------------------------------------------------------------

# (instruction, code, check)
PYTHON_TASKS = [
    (
        "Write a Python function that reverses a string.",
        "def reverse_string(text):\n    return text[::-1]",
        'assert reverse_string("abc") == "cba"',
    ),
    (
        "Write a Python function that counts the vowels in a string.",
        'def count_vowels(text):\n    return sum(1 for ch in text.lower() if ch in "aeiou")',
        'assert count_vowels("Education") == 5',
    ),
    (
        "Write a Python function that returns the factorial of a non-negative integer.",
        (
            "def factorial(n):\n    result = 1\n    for i in range(2, n + 1):\n"
            "        result *= i\n    return result"
        ),
        "assert factorial(5) == 120\nassert factorial(0) == 1",
    ),
    (
        (
            "Write a Python function that returns the n-th Fibonacci number, "
            "with fib(0) = 0 and fib(1) = 1."
        ),
        (
            "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n"
            "    return a"
        ),
        "assert fib(0) == 0\nassert fib(1) == 1\nassert fib(10) == 55",
    ),
    (
        (
            "Write a Python function that checks whether a word is a palindrome, "
            "ignoring case."
        ),
        "def is_palindrome(word):\n    word = word.lower()\n    return word == word[::-1]",
        'assert is_palindrome("Level")\nassert not is_palindrome("hello")',
    ),
    (
        (
            "Write a Python function that finds the largest number in a non-empty list "
            "without using max()."
        ),
        (
            "def largest(numbers):\n    best = numbers[0]\n    for x in numbers[1:]:\n"
            "        if x > best:\n            best = x\n    return best"
        ),
        "assert largest([3, 9, -2, 7]) == 9\nassert largest([-5]) == -5",
    ),
    (
        "Write a Python function that returns the sum of the even numbers in a list.",
        "def sum_even(numbers):\n    return sum(x for x in numbers if x % 2 == 0)",
        "assert sum_even([1, 2, 3, 4, 6]) == 12",
    ),
    (
        (
            "Write a Python function that removes duplicates from a list "
            "while keeping the original order."
        ),
        "def unique(items):\n    return list(dict.fromkeys(items))",
        "assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]",
    ),
    (
        "Write a Python function that counts the words in a string.",
        "def count_words(text):\n    return len(text.split())",
        'assert count_words("the quick  brown fox") == 4',
    ),
    (
        (
            "Write a Python function that capitalizes the first letter of every word "
            "in a sentence."
        ),
        (
            'def capitalize_words(text):\n    return " ".join(word.capitalize() '
            "for word in text.split())"
        ),
        'assert capitalize_words("hello big world") == "Hello Big World"',
    ),
    (
        "Write a Python function that checks whether a number is prime.",
        (
            "def is_prime(n):\n    if n < 2:\n        return False\n"
            "    for d in range(2, int(n**0.5) + 1):\n        if n % d == 0:\n"
            "            return False\n    return True"
        ),
        "assert [n for n in range(20) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19]",
    ),
    (
        (
            "Write a Python function that computes the greatest common divisor "
            "of two positive integers with Euclid's algorithm."
        ),
        "def gcd(a, b):\n    while b:\n        a, b = b, a % b\n    return a",
        "assert gcd(12, 18) == 6\nassert gcd(17, 5) == 1",
    ),
    (
        (
            "Write a Python function that returns the least common multiple "
            "of two positive integers."
        ),
        "import math\n\n\ndef lcm(a, b):\n    return a * b // math.gcd(a, b)",
        "assert lcm(4, 6) == 12\nassert lcm(5, 7) == 35",
    ),
    (
        "Write a Python function that flattens a list of lists into one list.",
        "def flatten(lists):\n    return [x for inner in lists for x in inner]",
        "assert flatten([[1, 2], [], [3]]) == [1, 2, 3]",
    ),
    (
        (
            "Write a Python function that merges two dictionaries, where values from "
            "the second dictionary win on shared keys."
        ),
        "def merge(first, second):\n    return {**first, **second}",
        'assert merge({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}',
    ),
    (
        (
            "Write a Python function that returns the keys of a dictionary sorted by "
            "their values, smallest first."
        ),
        "def keys_by_value(d):\n    return sorted(d, key=d.get)",
        'assert keys_by_value({"a": 3, "b": 1, "c": 2}) == ["b", "c", "a"]',
    ),
    (
        (
            "Write a Python function that returns the second largest distinct value "
            "in a list."
        ),
        "def second_largest(numbers):\n    return sorted(set(numbers))[-2]",
        "assert second_largest([4, 9, 9, 2]) == 4",
    ),
    (
        (
            "Write a Python function that checks whether two words are anagrams "
            "of each other, ignoring case."
        ),
        "def is_anagram(a, b):\n    return sorted(a.lower()) == sorted(b.lower())",
        'assert is_anagram("Listen", "Silent")\nassert not is_anagram("cat", "car")',
    ),
    (
        (
            "Write a Python function that counts how often each character "
            "appears in a string."
        ),
        (
            "from collections import Counter\n\n\ndef char_counts(text):\n"
            "    return dict(Counter(text))"
        ),
        'assert char_counts("aab") == {"a": 2, "b": 1}',
    ),
    (
        "Write a Python function that returns the squares of the numbers from 1 to n.",
        "def squares(n):\n    return [i * i for i in range(1, n + 1)]",
        "assert squares(4) == [1, 4, 9, 16]",
    ),
    (
        "Write a Python function that returns the sum of the digits of an integer.",
        "def digit_sum(n):\n    return sum(int(d) for d in str(abs(n)))",
        "assert digit_sum(1234) == 10\nassert digit_sum(-56) == 11",
    ),
    (
        (
            "Write a Python function that returns the average of a non-empty list "
            "of numbers."
        ),
        "def average(numbers):\n    return sum(numbers) / len(numbers)",
        "assert average([2, 4, 9]) == 5",
    ),
    (
        "Write a Python function that counts how many times a value appears in a list.",
        "def count_value(items, value):\n    return items.count(value)",
        'assert count_value(["a", "b", "a"], "a") == 2',
    ),
    (
        "Write a Python function that checks whether a year is a leap year.",
        (
            "def is_leap_year(year):\n"
            "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)"
        ),
        (
            "assert is_leap_year(2000)\nassert not is_leap_year(1900)\n"
            "assert is_leap_year(2024)\nassert not is_leap_year(2023)"
        ),
    ),
    (
        (
            'Write a Python function that returns "Fizz" for multiples of 3, "Buzz" for '
            'multiples of 5, "FizzBuzz" for multiples of both, and otherwise the number '
            "as a string."
        ),
        (
            'def fizzbuzz(n):\n    if n % 15 == 0:\n        return "FizzBuzz"\n'
            '    if n % 3 == 0:\n        return "Fizz"\n    if n % 5 == 0:\n'
            '        return "Buzz"\n    return str(n)'
        ),
        'assert [fizzbuzz(n) for n in (3, 5, 15, 7)] == ["Fizz", "Buzz", "FizzBuzz", "7"]',
    ),
    (
        (
            "Write a Python function that converts a non-negative integer to a binary "
            "string."
        ),
        "def to_binary(n):\n    return bin(n)[2:]",
        'assert to_binary(10) == "1010"\nassert to_binary(0) == "0"',
    ),
    (
        "Write a Python function that checks whether all items in a list are unique.",
        "def all_unique(items):\n    return len(set(items)) == len(items)",
        "assert all_unique([1, 2, 3])\nassert not all_unique([1, 2, 1])",
    ),
    (
        "Write a Python function that returns the longest word in a sentence.",
        "def longest_word(text):\n    return max(text.split(), key=len)",
        'assert longest_word("a quick brown fox") == "quick"',
    ),
    (
        (
            "Write a Python function that builds a dictionary from a list of keys "
            "and a list of values."
        ),
        "def to_dict(keys, values):\n    return dict(zip(keys, values))",
        'assert to_dict(["a", "b"], [1, 2]) == {"a": 1, "b": 2}',
    ),
    (
        "Write a Python function that transposes a matrix given as a list of rows.",
        "def transpose(matrix):\n    return [list(row) for row in zip(*matrix)]",
        "assert transpose([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]",
    ),
    (
        (
            "Write a Python function that checks whether a list of numbers is sorted "
            "in ascending order."
        ),
        (
            "def is_sorted(numbers):\n"
            "    return all(a <= b for a, b in zip(numbers, numbers[1:]))"
        ),
        "assert is_sorted([1, 2, 2, 5])\nassert not is_sorted([3, 1])",
    ),
    (
        "Write a Python function that limits a number to the range from low to high.",
        "def clamp(x, low, high):\n    return max(low, min(x, high))",
        (
            "assert clamp(15, 0, 10) == 10\nassert clamp(-3, 0, 10) == 0\n"
            "assert clamp(4, 0, 10) == 4"
        ),
    ),
    (
        "Write a Python function that counts the lines in a text file.",
        (
            "def count_lines(path):\n    with open(path) as f:\n"
            "        return sum(1 for _ in f)"
        ),
        (
            "import tempfile\nwith tempfile.TemporaryDirectory() as folder:\n"
            '    path = folder + "/notes.txt"\n    with open(path, "w") as f:\n'
            '        f.write("one\\ntwo\\nthree\\n")\n    assert count_lines(path) == 3'
        ),
    ),
    (
        "Write a Python function that removes all whitespace from a string.",
        'def remove_whitespace(text):\n    return "".join(text.split())',
        'assert remove_whitespace(" a b\\tc\\n") == "abc"',
    ),
    (
        (
            "Write a Python function that returns the number of days between two "
            "datetime.date objects."
        ),
        "def days_between(start, end):\n    return abs((end - start).days)",
        (
            "from datetime import date\n"
            "assert days_between(date(2024, 1, 1), date(2024, 3, 1)) == 60"
        ),
    ),
    (
        (
            "Write a Python function that returns the most common word in a text, "
            "ignoring case."
        ),
        (
            "from collections import Counter\n\n\ndef most_common_word(text):\n"
            "    return Counter(text.lower().split()).most_common(1)[0][0]"
        ),
        'assert most_common_word("The cat and the hat") == "the"',
    ),
    (
        "Write a Python function that splits a list into chunks of a given size.",
        (
            "def chunks(items, size):\n"
            "    return [items[i : i + size] for i in range(0, len(items), size)]"
        ),
        "assert chunks([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]",
    ),
    (
        "Write a Python function that reads a JSON file and returns its content.",
        (
            "import json\n\n\ndef load_json(path):\n    with open(path) as f:\n"
            "        return json.load(f)"
        ),
        (
            "import tempfile\nwith tempfile.TemporaryDirectory() as folder:\n"
            '    path = folder + "/data.json"\n    with open(path, "w") as f:\n'
            '        f.write(\'{"a": [1, 2]}\')\n    assert load_json(path) == {"a": [1, 2]}'
        ),
    ),
    (
        (
            "Write a Python function that returns both the smallest and the largest "
            "number in a list."
        ),
        "def min_max(numbers):\n    return min(numbers), max(numbers)",
        "assert min_max([4, -1, 7]) == (-1, 7)",
    ),
    (
        "Write a Python function that counts the uppercase letters in a string.",
        "def count_upper(text):\n    return sum(1 for ch in text if ch.isupper())",
        'assert count_upper("Hello World ABC") == 5',
    ),
]

# (from, to, function name, expression in the argument, input, expected output)
CONVERSION_FUNCTIONS = [
    ("Celsius", "Fahrenheit", "celsius_to_fahrenheit", "c * 9 / 5 + 32", 100, 212),
    ("Fahrenheit", "Celsius", "fahrenheit_to_celsius", "(f - 32) * 5 / 9", 212, 100),
    ("kilometers", "miles", "km_to_miles", "km * 0.621371", 10, 6.21371),
    ("miles", "kilometers", "miles_to_km", "miles * 1.609344", 10, 16.09344),
    ("kilograms", "pounds", "kg_to_pounds", "kg / 0.45359237", 0.45359237, 1),
    ("pounds", "kilograms", "pounds_to_kg", "pounds * 0.45359237", 10, 4.5359237),
    ("inches", "centimeters", "inches_to_cm", "inches * 2.54", 10, 25.4),
    ("centimeters", "inches", "cm_to_inches", "cm / 2.54", 25.4, 10),
    ("hours", "minutes", "hours_to_minutes", "hours * 60", 2.5, 150),
    ("minutes", "seconds", "minutes_to_seconds", "minutes * 60", 3, 180),
    ("days", "hours", "days_to_hours", "days * 24", 2, 48),
    ("liters", "milliliters", "liters_to_ml", "liters * 1000", 1.5, 1500),
    ("meters", "feet", "meters_to_feet", "meters / 0.3048", 3.048, 10),
    ("feet", "meters", "feet_to_meters", "feet * 0.3048", 10, 3.048),
]

# (table, numeric column, threshold)
SQL_TABLES = [
    ("employees", "salary", 50000),
    ("products", "price", 20),
    ("students", "grade", 80),
    ("orders", "total", 100),
    ("books", "pages", 300),
]


def _sql_check(table: str, column: str, query_kind: str, threshold: int) -> str:
    """Return a check that runs ``answer`` on a small SQLite table."""
    values = [threshold // 2, threshold, threshold * 2, threshold * 3, threshold + 1]
    rows = [(f"item{i}", v) for i, v in enumerate(values)]
    if query_kind == "above":
        expected = sorted(r for r in rows if r[1] > threshold)
        compare = "assert sorted(result) == expected"
    elif query_kind == "top3":
        expected = sorted(rows, key=lambda r: -r[1])[:3]
        compare = "assert result == expected"
    else:
        expected = [(sum(values) / len(values),)]
        compare = "assert result == expected"
    return (
        "import sqlite3\n"
        'db = sqlite3.connect(":memory:")\n'
        f'db.execute("CREATE TABLE {table} (name TEXT, {column} REAL)")\n'
        f'db.executemany("INSERT INTO {table} VALUES (?, ?)", {rows!r})\n'
        "result = [tuple(r) for r in db.execute(answer).fetchall()]\n"
        f"expected = {expected!r}\n"
        f"{compare}"
    )


def code_examples() -> list[Example]:
    """Python functions and SQL queries whose checks ``tests/test_data.py`` runs."""
    examples = [Example("code", i, "", code, check) for i, code, check in PYTHON_TASKS]

    for k in range(2, 14):
        examples.append(
            Example(
                "code",
                f"Write a Python function that checks whether an integer is "
                f"divisible by {k}.",
                "",
                f"def is_divisible_by_{k}(n):\n    return n % {k} == 0",
                f"assert is_divisible_by_{k}({3 * k})\n"
                f"assert not is_divisible_by_{k}({3 * k + 1})",
            )
        )

    for k in range(2, 11):
        examples.append(
            Example(
                "code",
                f"Write a Python function that multiplies every number in a list "
                f"by {k}.",
                "",
                f"def multiply_by_{k}(numbers):\n    return [x * {k} for x in numbers]",
                f"assert multiply_by_{k}([1, -2, 0]) == [{k}, {-2 * k}, 0]",
            )
        )

    for k in (0, 5, 10, 18, 50, 100):
        examples.append(
            Example(
                "code",
                f"Write a Python function that keeps only the numbers greater than "
                f"{k} in a list.",
                "",
                f"def greater_than_{k}(numbers):\n"
                f"    return [x for x in numbers if x > {k}]",
                f"assert greater_than_{k}([{k - 1}, {k}, {k + 1}]) == [{k + 1}]",
            )
        )

    for source, target, name, expression, value, expected in CONVERSION_FUNCTIONS:
        argument = expression.replace("(", "").split()[0]
        examples.append(
            Example(
                "code",
                f"Write a Python function that converts {source} to {target}.",
                "",
                f"def {name}({argument}):\n    return {expression}",
                f"assert abs({name}({value}) - {expected}) < 1e-9",
            )
        )

    for table, column, threshold in SQL_TABLES:
        examples.append(
            Example(
                "code",
                f"Write an SQL query that selects every row of the {table} table "
                f"where {column} is greater than {threshold}.",
                "",
                f"SELECT * FROM {table} WHERE {column} > {threshold};",
                _sql_check(table, column, "above", threshold),
            )
        )
        examples.append(
            Example(
                "code",
                f"Write an SQL query that returns the three rows of the {table} "
                f"table with the highest {column}.",
                "",
                f"SELECT * FROM {table} ORDER BY {column} DESC LIMIT 3;",
                _sql_check(table, column, "top3", threshold),
            )
        )
        examples.append(
            Example(
                "code",
                f"Write an SQL query that returns the average {column} "
                f"in the {table} table.",
                "",
                f"SELECT AVG({column}) FROM {table};",
                _sql_check(table, column, "average", threshold),
            )
        )
    return examples


# --------------------------------------------------------------------------------------
# Factual questions (hand-checked facts)
# --------------------------------------------------------------------------------------

CAPITALS = [
    ("France", "Paris"),
    ("Germany", "Berlin"),
    ("Italy", "Rome"),
    ("Spain", "Madrid"),
    ("Portugal", "Lisbon"),
    ("Japan", "Tokyo"),
    ("China", "Beijing"),
    ("India", "New Delhi"),
    ("Canada", "Ottawa"),
    ("Australia", "Canberra"),
    ("Brazil", "Brasília"),
    ("Argentina", "Buenos Aires"),
    ("Mexico", "Mexico City"),
    ("Egypt", "Cairo"),
    ("Kenya", "Nairobi"),
    ("Nigeria", "Abuja"),
    ("Russia", "Moscow"),
    ("Poland", "Warsaw"),
    ("Sweden", "Stockholm"),
    ("Norway", "Oslo"),
    ("Finland", "Helsinki"),
    ("Denmark", "Copenhagen"),
    ("Greece", "Athens"),
    ("Turkey", "Ankara"),
    ("Ireland", "Dublin"),
    ("Austria", "Vienna"),
    ("Hungary", "Budapest"),
    ("the Czech Republic", "Prague"),
    ("Belgium", "Brussels"),
    ("South Korea", "Seoul"),
    ("Thailand", "Bangkok"),
    ("Vietnam", "Hanoi"),
    ("the Philippines", "Manila"),
    ("Peru", "Lima"),
    ("Chile", "Santiago"),
    ("Colombia", "Bogotá"),
    ("Cuba", "Havana"),
    ("Morocco", "Rabat"),
    ("Ethiopia", "Addis Ababa"),
    ("Ghana", "Accra"),
    ("Iceland", "Reykjavík"),
    ("New Zealand", "Wellington"),
    ("Pakistan", "Islamabad"),
    ("Iran", "Tehran"),
    ("Saudi Arabia", "Riyadh"),
    ("Ukraine", "Kyiv"),
    ("Romania", "Bucharest"),
    ("Bulgaria", "Sofia"),
    ("Croatia", "Zagreb"),
    ("Serbia", "Belgrade"),
    ("Venezuela", "Caracas"),
    ("Uruguay", "Montevideo"),
    ("Nepal", "Kathmandu"),
    ("Bangladesh", "Dhaka"),
    ("Malaysia", "Kuala Lumpur"),
    ("Jamaica", "Kingston"),
    ("Senegal", "Dakar"),
    ("Jordan", "Amman"),
    ("Mongolia", "Ulaanbaatar"),
    ("Zimbabwe", "Harare"),
]

ELEMENTS = [
    ("hydrogen", "H"),
    ("helium", "He"),
    ("lithium", "Li"),
    ("carbon", "C"),
    ("nitrogen", "N"),
    ("oxygen", "O"),
    ("fluorine", "F"),
    ("neon", "Ne"),
    ("sodium", "Na"),
    ("magnesium", "Mg"),
    ("aluminum", "Al"),
    ("silicon", "Si"),
    ("phosphorus", "P"),
    ("sulfur", "S"),
    ("chlorine", "Cl"),
    ("argon", "Ar"),
    ("potassium", "K"),
    ("calcium", "Ca"),
    ("iron", "Fe"),
    ("copper", "Cu"),
    ("zinc", "Zn"),
    ("silver", "Ag"),
    ("tin", "Sn"),
    ("iodine", "I"),
    ("gold", "Au"),
    ("mercury", "Hg"),
    ("lead", "Pb"),
    ("uranium", "U"),
    ("nickel", "Ni"),
    ("titanium", "Ti"),
]

BOOKS = [
    ("Pride and Prejudice", "Jane Austen"),
    ("Nineteen Eighty-Four", "George Orwell"),
    ("Animal Farm", "George Orwell"),
    ("Hamlet", "William Shakespeare"),
    ("Macbeth", "William Shakespeare"),
    ("Moby-Dick", "Herman Melville"),
    ("War and Peace", "Leo Tolstoy"),
    ("Anna Karenina", "Leo Tolstoy"),
    ("Don Quixote", "Miguel de Cervantes"),
    ("Frankenstein", "Mary Shelley"),
    ("Dracula", "Bram Stoker"),
    ("The Great Gatsby", "F. Scott Fitzgerald"),
    ("To Kill a Mockingbird", "Harper Lee"),
    ("Crime and Punishment", "Fyodor Dostoevsky"),
    ("The Hobbit", "J. R. R. Tolkien"),
    ("Jane Eyre", "Charlotte Brontë"),
    ("Wuthering Heights", "Emily Brontë"),
    ("Great Expectations", "Charles Dickens"),
    ("Oliver Twist", "Charles Dickens"),
    ("Adventures of Huckleberry Finn", "Mark Twain"),
    ("The Old Man and the Sea", "Ernest Hemingway"),
    ("Brave New World", "Aldous Huxley"),
    ("One Hundred Years of Solitude", "Gabriel García Márquez"),
    ("The Little Prince", "Antoine de Saint-Exupéry"),
    ("Alice's Adventures in Wonderland", "Lewis Carroll"),
    ("Les Misérables", "Victor Hugo"),
    ("The Catcher in the Rye", "J. D. Salinger"),
    ("Madame Bovary", "Gustave Flaubert"),
    ("Treasure Island", "Robert Louis Stevenson"),
    ("The Jungle Book", "Rudyard Kipling"),
    ("On the Origin of Species", "Charles Darwin"),
]

QUICK_FACTS = [
    (
        "Which planet is closest to the Sun?",
        "Mercury is the planet closest to the Sun.",
    ),
    ("Which planet is known as the Red Planet?", "Mars is known as the Red Planet."),
    (
        "What is the largest ocean on Earth?",
        "The Pacific Ocean is the largest ocean on Earth.",
    ),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("How many sides does a hexagon have?", "A hexagon has six sides."),
    ("How many moons does Mars have?", "Mars has two moons, Phobos and Deimos."),
    (
        "At what temperature does water freeze in degrees Fahrenheit?",
        "Water freezes at 32 degrees Fahrenheit, which is 0 degrees Celsius.",
    ),
    (
        "What is the largest mammal in the world?",
        "The blue whale is the largest mammal, and the largest animal, in the world.",
    ),
    (
        "How many players are on a soccer team on the field?",
        "A soccer team has 11 players on the field.",
    ),
    (
        "What gas do plants absorb from the air?",
        "Plants absorb carbon dioxide from the air and use it in photosynthesis.",
    ),
    (
        "How many bones are in the adult human body?",
        "An adult human body has 206 bones.",
    ),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci painted the Mona Lisa."),
    (
        "What is the tallest mountain in the world?",
        "Mount Everest is the tallest mountain above sea level, at about 8,849 meters.",
    ),
    (
        "How many continents are there?",
        (
            "There are seven continents: Africa, Antarctica, Asia, Australia, Europe, "
            "North America and South America."
        ),
    ),
    (
        "What is the largest planet in our solar system?",
        "Jupiter is the largest planet in our solar system.",
    ),
    ("How many days are in a leap year?", "A leap year has 366 days."),
    (
        "What is the boiling point of water at sea level?",
        (
            "At sea level, water boils at 100 degrees Celsius, which is 212 degrees "
            "Fahrenheit."
        ),
    ),
    (
        "What is the hardest natural material?",
        "Diamond is the hardest natural material.",
    ),
]


def factual_examples() -> list[Example]:
    """Capitals, chemical symbols, authors and other one-line facts."""
    examples = []
    for country, capital in CAPITALS:
        examples.append(
            Example(
                "factual_question",
                f"What is the capital of {country}?",
                "",
                f"The capital of {country} is {capital}.",
            )
        )
    for element, symbol in ELEMENTS:
        examples.append(
            Example(
                "factual_question",
                f"What is the chemical symbol for {element}?",
                "",
                f"The chemical symbol for {element} is {symbol}.",
            )
        )
    for title, author in BOOKS:
        examples.append(
            Example(
                "factual_question",
                f"Who wrote {title}?",
                "",
                f"{title} was written by {author}.",
            )
        )
    for question, answer in QUICK_FACTS:
        examples.append(Example("factual_question", question, "", answer))
    return examples


# --------------------------------------------------------------------------------------
# Open questions (hand-written explanations)
# --------------------------------------------------------------------------------------

OPEN_QUESTIONS = [
    (
        "Why is the sky blue?",
        (
            "Sunlight contains all colors, and the molecules in the air scatter short "
            "blue wavelengths much more than long red ones. This scattered blue light "
            "reaches our eyes from every direction, so the sky looks blue."
        ),
    ),
    (
        "What causes the seasons on Earth?",
        (
            "Earth's axis is tilted by about 23.5 degrees. As Earth orbits the Sun, each "
            "hemisphere in turn leans toward the Sun and gets more direct sunlight and "
            "longer days, which is summer, while the other has winter."
        ),
    ),
    (
        "What is photosynthesis?",
        (
            "Photosynthesis is the process that plants, algae and some bacteria use to "
            "turn light energy, water and carbon dioxide into sugar. Oxygen is released "
            "as a by-product."
        ),
    ),
    (
        "How does a vaccine work?",
        (
            "A vaccine shows the immune system a harmless piece or a weakened form of a "
            "germ. The body learns to recognize it and keeps memory cells, so it can "
            "fight the real germ quickly later."
        ),
    ),
    (
        "What is gravity?",
        (
            "Gravity is the force of attraction between objects that have mass. It keeps "
            "us on the ground, holds the Moon in orbit around Earth and keeps Earth in "
            "orbit around the Sun."
        ),
    ),
    (
        "Why do we have day and night?",
        (
            "Earth spins on its axis about once every 24 hours. The side facing the Sun "
            "has day, and the side facing away from it has night."
        ),
    ),
    (
        "What is the water cycle?",
        (
            "The water cycle is the continuous movement of water on Earth. Water "
            "evaporates, condenses into clouds, falls as rain or snow, and flows back "
            "into rivers, lakes and oceans."
        ),
    ),
    (
        "What is DNA?",
        (
            "DNA is the molecule that carries the genetic instructions of living things. "
            "It is shaped like a double helix and uses four bases: adenine, thymine, "
            "guanine and cytosine."
        ),
    ),
    (
        "What does the CPU in a computer do?",
        (
            "The CPU, or central processing unit, carries out the instructions of "
            "programs. It performs calculations and directs data between the other parts "
            "of the computer."
        ),
    ),
    (
        "What is inflation?",
        (
            "Inflation is the general rise in prices over time. When inflation is high, "
            "the same amount of money buys fewer goods and services."
        ),
    ),
    (
        "Why does ice float on water?",
        (
            "Water expands when it freezes, so ice is less dense than liquid water. "
            "Anything less dense than water floats on it."
        ),
    ),
    (
        "What is a black hole?",
        (
            "A black hole is a region of space where gravity is so strong that nothing, "
            "not even light, can escape. Many form when very massive stars collapse at "
            "the end of their lives."
        ),
    ),
    (
        "How do bees help plants?",
        (
            "Bees carry pollen from flower to flower while they collect nectar. This "
            "pollination lets many plants produce fruit and seeds."
        ),
    ),
    (
        "What is the greenhouse effect?",
        (
            "The greenhouse effect is the warming of Earth's surface by gases such as "
            "carbon dioxide and water vapor. These gases let sunlight through but trap "
            "part of the heat that Earth gives off."
        ),
    ),
    (
        "What is an atom?",
        (
            "An atom is the smallest unit of a chemical element. It has a nucleus of "
            "protons and neutrons, surrounded by electrons."
        ),
    ),
    (
        "Why do leaves change color in autumn?",
        (
            "In autumn, trees stop making chlorophyll, the green pigment in leaves. As "
            "the green fades, yellow and orange pigments show through, and some trees "
            "also make red pigments."
        ),
    ),
    (
        "What is the internet?",
        (
            "The internet is a worldwide network of connected computers. Devices "
            "exchange data over it using shared rules called protocols, which makes "
            "email, websites and video calls possible."
        ),
    ),
    (
        "What is a prime number?",
        (
            "A prime number is a whole number greater than 1 whose only divisors are 1 "
            "and itself. Examples are 2, 3, 5, 7 and 11."
        ),
    ),
    (
        "What causes thunder?",
        (
            "Lightning heats the air around it very quickly, so the air expands "
            "violently. That sudden expansion makes the sound wave we hear as thunder."
        ),
    ),
    (
        "What is democracy?",
        (
            "Democracy is a system of government in which power belongs to the citizens, "
            "who usually choose their leaders and laws through free elections."
        ),
    ),
    (
        "How does the human heart work?",
        (
            "The heart is a muscle that pumps blood through the body. Its right side "
            "sends blood to the lungs to pick up oxygen, and its left side pumps that "
            "oxygen-rich blood to the rest of the body."
        ),
    ),
    (
        "What is an ecosystem?",
        (
            "An ecosystem is a community of living things together with their "
            "surroundings, such as water, soil and climate. Its parts depend on each "
            "other, for example through food chains."
        ),
    ),
    (
        "What is machine learning?",
        (
            "Machine learning is a branch of artificial intelligence in which computers "
            "learn patterns from data instead of following hand-written rules. The "
            "learned model can then make predictions on new data."
        ),
    ),
    (
        "Why do people need sleep?",
        (
            "Sleep lets the body and brain recover. During sleep the brain stores "
            "memories, and the body repairs tissue and balances its hormones."
        ),
    ),
    (
        "What is a volcano?",
        (
            "A volcano is an opening in Earth's crust through which molten rock, ash and "
            "gases escape. Over time the erupted material can build up into a mountain."
        ),
    ),
    (
        "How do magnets work?",
        (
            "In a magnet, the tiny magnetic fields of many electrons line up and add "
            "together. Opposite poles attract, like poles repel, and magnets pull on "
            "materials such as iron."
        ),
    ),
    (
        "What is renewable energy?",
        (
            "Renewable energy comes from sources that nature keeps replacing, such as "
            "sunlight, wind, flowing water and heat from inside the Earth. Unlike coal "
            "or oil, these sources do not run out."
        ),
    ),
    (
        "What is a calorie?",
        (
            "A calorie is a unit of energy. The Calorie on food labels is a kilocalorie, "
            "the energy needed to warm one kilogram of water by one degree Celsius."
        ),
    ),
    (
        "What do economists mean by supply and demand?",
        (
            "Supply is how much of a good sellers offer, and demand is how much buyers "
            "want at each price. Prices tend to rise when demand is greater than supply "
            "and fall when supply is greater than demand."
        ),
    ),
    (
        "Why is the ocean salty?",
        (
            "Rain slowly dissolves minerals from rocks, and rivers carry these salts to "
            "the sea. When seawater evaporates the salt stays behind, so it has built up "
            "over millions of years."
        ),
    ),
    (
        "What is an algorithm?",
        (
            "An algorithm is a finite list of clear steps that solves a problem or "
            "completes a task, such as a method for sorting a list of numbers."
        ),
    ),
    (
        "How do plants get water?",
        (
            "Plants absorb water from the soil through their roots. The water then "
            "travels up through tubes called xylem to the stems and leaves."
        ),
    ),
    (
        "What is a rainbow?",
        (
            "A rainbow appears when sunlight enters raindrops, bends, reflects inside "
            "them and splits into its colors. You see one when the Sun is behind you and "
            "rain is in front of you."
        ),
    ),
    (
        "What is an antibiotic?",
        (
            "An antibiotic is a medicine that kills bacteria or stops them from growing. "
            "Antibiotics do not work against viruses such as the common cold."
        ),
    ),
    (
        "What is a budget?",
        (
            "A budget is a plan for how you will spend and save your money over a period "
            "of time. It compares your expected income with your expected expenses."
        ),
    ),
    (
        "How fast does light travel?",
        (
            "In a vacuum, light travels at exactly 299,792,458 meters per second, which "
            "is about 300,000 kilometers per second."
        ),
    ),
    (
        "What is a noun?",
        (
            "A noun is a word that names a person, place, thing or idea, such as "
            "teacher, city, apple or freedom."
        ),
    ),
    (
        "What is a verb?",
        (
            "A verb is a word that describes an action, a state or an event, such as "
            "run, be or happen."
        ),
    ),
    (
        "What is evaporation?",
        (
            "Evaporation is the process in which a liquid turns into a gas. Puddles dry "
            "up on a sunny day because their water evaporates into the air."
        ),
    ),
    (
        "What do the lungs do?",
        (
            "The lungs bring oxygen into the body and remove carbon dioxide. In tiny air "
            "sacs, oxygen passes into the blood and carbon dioxide passes out of it."
        ),
    ),
    (
        "What is a haiku?",
        (
            "A haiku is a short poem from Japan with three lines of five, seven and five "
            "syllables. It often captures a single moment in nature."
        ),
    ),
    (
        "How does a refrigerator keep food cold?",
        (
            "A refrigerator pumps a refrigerant through coils. The refrigerant absorbs "
            "heat inside the fridge as it evaporates and releases that heat outside as "
            "it is compressed, so heat is moved out of the fridge."
        ),
    ),
    (
        "What is compound interest?",
        (
            "Compound interest is interest paid on both the original amount and the "
            "interest already added to it. Over time it makes savings, or debts, grow "
            "faster than simple interest does."
        ),
    ),
    (
        "What is a solar eclipse?",
        (
            "A solar eclipse happens when the Moon passes between the Sun and Earth and "
            "blocks some or all of the Sun's light for a short time."
        ),
    ),
    (
        "What is recycling, and why does it matter?",
        (
            "Recycling turns used materials such as paper, glass and metal into new "
            "products. It saves raw materials and energy and reduces the waste sent to "
            "landfills."
        ),
    ),
    (
        "What is a fossil?",
        (
            "A fossil is the preserved remains or trace of an ancient living thing, such "
            "as a bone, shell or footprint, usually found in rock."
        ),
    ),
    (
        "Why do we sweat?",
        (
            "Sweating cools the body. When sweat evaporates from the skin, it carries "
            "heat away and helps keep body temperature steady."
        ),
    ),
    (
        "What is a password manager?",
        (
            "A password manager is an app that stores your passwords in an encrypted "
            "vault. It can create a strong, different password for each site, so you "
            "only need to remember one master password."
        ),
    ),
    (
        "What is the purpose of a resume?",
        (
            "A resume is a short document that summarizes your education, work "
            "experience and skills. Employers use it to decide whom to invite for an "
            "interview."
        ),
    ),
    (
        "What is an eclipse of the Moon?",
        (
            "A lunar eclipse happens when Earth passes between the Sun and the Moon, so "
            "Earth's shadow falls on the Moon. The Moon often looks dark red during it."
        ),
    ),
]


def open_question_examples() -> list[Example]:
    """Questions that need an explanation of one to three sentences."""
    return [Example("open_question", q, "", a) for q, a in OPEN_QUESTIONS]


# --------------------------------------------------------------------------------------
# Comparison questions (hand-written)
# --------------------------------------------------------------------------------------

COMPARISONS = [
    (
        "weather",
        "climate",
        (
            "Weather is the state of the atmosphere at a given place and time, such as "
            "today's rain. Climate is the average pattern of weather in a region over "
            "many years."
        ),
    ),
    (
        "a virus",
        "a bacterium",
        (
            "A bacterium is a single living cell that can reproduce on its own. A virus "
            "is much smaller and can only multiply inside the cells of a host."
        ),
    ),
    (
        "a lake",
        "a sea",
        (
            "A lake is a body of water surrounded by land, and most lakes hold fresh "
            "water. A sea is a large body of salt water that is usually connected to an "
            "ocean."
        ),
    ),
    (
        "speed",
        "velocity",
        (
            "Speed tells you how fast something moves. Velocity tells you how fast and "
            "in which direction, so it is speed with a direction."
        ),
    ),
    (
        "a frog",
        "a toad",
        (
            "Frogs usually have smooth, moist skin and long legs for jumping, and they "
            "live near water. Toads usually have dry, bumpy skin and shorter legs, and "
            "they can live farther from water."
        ),
    ),
    (
        "RAM",
        "storage",
        (
            "RAM is fast, temporary memory that holds the data a computer is working on "
            "and is cleared when the power goes off. Storage, such as an SSD, keeps files "
            "permanently but is slower."
        ),
    ),
    (
        "a simile",
        "a metaphor",
        (
            "A simile compares two things using 'like' or 'as', as in 'brave as a lion'. "
            "A metaphor says one thing is another, as in 'he is a lion in battle'."
        ),
    ),
    (
        "an alligator",
        "a crocodile",
        (
            "Alligators have a wide, U-shaped snout and mostly live in fresh water. "
            "Crocodiles have a narrower, V-shaped snout, and many species can live in "
            "salt water."
        ),
    ),
    (
        "a debit card",
        "a credit card",
        (
            "A debit card takes money straight from your bank account. A credit card "
            "borrows money from the card company, which you pay back later, often with "
            "interest."
        ),
    ),
    (
        "a meteor",
        "a meteorite",
        (
            "A meteor is the streak of light made when a space rock burns up in Earth's "
            "atmosphere. A meteorite is a piece of such a rock that survives and lands "
            "on the ground."
        ),
    ),
    (
        "a hurricane",
        "a tornado",
        (
            "A hurricane is a huge storm system that forms over warm ocean water and "
            "lasts for days. A tornado is a much smaller, spinning column of air that "
            "forms over land and usually lasts minutes."
        ),
    ),
    (
        "a herbivore",
        "a carnivore",
        (
            "A herbivore eats only plants, like a cow. A carnivore eats mainly other "
            "animals, like a lion."
        ),
    ),
    (
        "a list",
        "a tuple in Python",
        (
            "Both hold an ordered sequence of items. A list is mutable, so you can add "
            "or change items, while a tuple is immutable once it is created."
        ),
    ),
    (
        "an odd number",
        "an even number",
        (
            "An even number can be divided by 2 with no remainder, like 4 or 10. An odd "
            "number leaves a remainder of 1 when divided by 2, like 3 or 7."
        ),
    ),
    (
        "a noun",
        "a pronoun",
        (
            "A noun names a person, place or thing, such as 'Maria' or 'table'. A "
            "pronoun stands in for a noun, such as 'she' or 'it'."
        ),
    ),
    (
        "a star",
        "a planet",
        (
            "A star, like the Sun, makes its own light by nuclear fusion. A planet does "
            "not make light and shines only by reflecting light from a star it orbits."
        ),
    ),
    (
        "a democracy",
        "a monarchy",
        (
            "In a democracy, citizens choose their leaders in elections. In a monarchy, "
            "a king or queen is head of state, usually by inheritance, although many "
            "monarchies today also have elected parliaments."
        ),
    ),
    (
        "an acid",
        "a base",
        (
            "An acid has a pH below 7 and tastes sour, like lemon juice. A base has a pH "
            "above 7 and feels slippery, like soap."
        ),
    ),
    (
        "a city",
        "a village",
        (
            "A city is a large, densely populated place with many services and jobs. A "
            "village is a small settlement, usually in the countryside, with far fewer "
            "people."
        ),
    ),
    (
        "a stock",
        "a bond",
        (
            "A stock is a share of ownership in a company, and its value rises and falls "
            "with the company. A bond is a loan to a company or government that pays "
            "fixed interest."
        ),
    ),
    (
        "hardware",
        "software",
        (
            "Hardware is the physical parts of a computer, such as the keyboard and "
            "processor. Software is the programs and data that run on that hardware."
        ),
    ),
    (
        "baking soda",
        "baking powder",
        (
            "Baking soda is pure sodium bicarbonate and needs an acid in the recipe to "
            "make dough rise. Baking powder already contains both baking soda and an "
            "acid."
        ),
    ),
    (
        "a mammal",
        "a reptile",
        (
            "Mammals are warm-blooded, have hair or fur and feed their young with milk. "
            "Reptiles are cold-blooded, have scales and most of them lay eggs."
        ),
    ),
    (
        "an email",
        "a letter",
        (
            "An email is a message sent electronically that arrives within seconds. A "
            "letter is written on paper and delivered by post, which takes days."
        ),
    ),
    (
        "a republic",
        "a federation",
        (
            "A republic is a state whose head is not a monarch, usually an elected "
            "president. A federation is a state made of regions that share power with a "
            "central government. A country can be both, like Germany."
        ),
    ),
    (
        "a sprint",
        "a marathon",
        (
            "A sprint is a very short, fast race, such as 100 meters. A marathon is a "
            "long-distance race of about 42.2 kilometers that tests endurance."
        ),
    ),
    (
        "a moth",
        "a butterfly",
        (
            "Butterflies are usually active during the day and rest with their wings "
            "folded up. Most moths fly at night and rest with their wings spread flat."
        ),
    ),
    (
        "an input",
        "an output of a function",
        (
            "The input is the value you pass into a function, and the output is the "
            "value the function returns."
        ),
    ),
    (
        "a hill",
        "a mountain",
        (
            "Both are raised areas of land. A mountain is much higher and steeper than a "
            "hill, and it often has a clearly defined peak."
        ),
    ),
    (
        "a recession",
        "a depression",
        (
            "A recession is a period of falling economic activity that lasts months. A "
            "depression is a much deeper and longer downturn, lasting years."
        ),
    ),
    (
        "a dolphin",
        "a shark",
        (
            "A dolphin is a mammal that breathes air and feeds its young with milk. A "
            "shark is a fish that breathes through gills."
        ),
    ),
    (
        "a physician",
        "a surgeon",
        (
            "A physician diagnoses illness and treats it mostly with medicine and "
            "advice. A surgeon is a doctor who treats patients by operating on them."
        ),
    ),
    (
        "an ocean",
        "a river",
        (
            "An ocean is a huge body of salt water that covers much of the Earth. A "
            "river is a flowing stream of mostly fresh water that runs toward a lake, sea "
            "or ocean."
        ),
    ),
    (
        "a fruit",
        "a vegetable in cooking",
        (
            "In cooking, fruits are usually sweet and eaten as snacks or desserts, like "
            "apples. Vegetables are usually savory and cooked in main dishes, like "
            "carrots or spinach."
        ),
    ),
    (
        "a desktop computer",
        "a laptop",
        (
            "A desktop computer stays on a desk and uses a separate monitor and "
            "keyboard. A laptop folds all of these into one portable device with a "
            "battery."
        ),
    ),
]


def comparison_examples() -> list[Example]:
    """Questions that ask how two related things differ."""
    return [
        Example(
            "comparison", f"What is the difference between {a} and {b}?", "", answer
        )
        for a, b, answer in COMPARISONS
    ]


# --------------------------------------------------------------------------------------
# Classification (hand-written labels, and primality computed)
# --------------------------------------------------------------------------------------

# (review, label, reason)
REVIEWS = [
    (
        (
            "The pasta was perfectly cooked and the staff were so friendly. "
            "We will definitely come back."
        ),
        "Positive",
        "the reviewer praises the food and the staff and plans to return",
    ),
    (
        "The battery died after two hours and the charger stopped working a week later.",
        "Negative",
        "the reviewer reports a weak battery and a broken charger",
    ),
    (
        "This is the most comfortable pair of running shoes I have ever owned.",
        "Positive",
        "the reviewer calls the shoes the most comfortable they have owned",
    ),
    (
        "The hotel room was dirty, and nobody at the front desk seemed to care.",
        "Negative",
        "the reviewer complains about a dirty room and unhelpful staff",
    ),
    (
        "A moving story with brilliant acting. I cried twice.",
        "Positive",
        "the reviewer praises the story and the acting",
    ),
    (
        "The package arrived three weeks late and the box was crushed.",
        "Negative",
        "the reviewer complains about a late and damaged delivery",
    ),
    (
        "Setup took five minutes and the speaker sounds amazing for its size.",
        "Positive",
        "the reviewer praises the easy setup and the sound",
    ),
    (
        "I waited forty minutes for a cold burger. Never again.",
        "Negative",
        "the reviewer had a long wait, got cold food and will not return",
    ),
    (
        "The teacher explains every topic clearly, and the exercises really help.",
        "Positive",
        "the reviewer praises the clear explanations and useful exercises",
    ),
    (
        "The app crashes every time I try to upload a photo.",
        "Negative",
        "the reviewer reports that the app keeps crashing",
    ),
    (
        "Fresh bread, great coffee and a cozy corner by the window. A lovely morning.",
        "Positive",
        "the reviewer enjoyed the food, the coffee and the atmosphere",
    ),
    (
        "The plot made no sense and the movie dragged on for three hours.",
        "Negative",
        "the reviewer found the plot confusing and the movie too long",
    ),
    (
        "My plants have never looked healthier since I started using this soil.",
        "Positive",
        "the reviewer says the soil made the plants healthier",
    ),
    (
        "The jacket ripped at the seam the first time I wore it.",
        "Negative",
        "the reviewer says the jacket broke on first use",
    ),
    (
        "Our guide knew everything about the city and made the tour great fun.",
        "Positive",
        "the reviewer praises the guide's knowledge and the fun tour",
    ),
    (
        "The blender is so loud that my neighbors complained, and it leaks.",
        "Negative",
        "the reviewer complains about noise and leaks",
    ),
    (
        "Customer service replaced my broken lamp within two days. Impressive!",
        "Positive",
        "the reviewer praises the fast replacement",
    ),
    (
        "The seats were cramped and the flight attendants were rude.",
        "Negative",
        "the reviewer complains about cramped seats and rude staff",
    ),
    (
        "This novel kept me up all night. I could not put it down.",
        "Positive",
        "the reviewer found the novel gripping",
    ),
    (
        "The headphones stopped charging after a month, and support never answered.",
        "Negative",
        "the reviewer reports a failed product and no support",
    ),
    (
        "Beautiful view, spotless rooms and a generous breakfast.",
        "Positive",
        "the reviewer praises the view, the cleanliness and the breakfast",
    ),
    (
        "The soup was salty, the bread was stale and the bill was huge.",
        "Negative",
        "the reviewer disliked the food and the price",
    ),
    (
        "The vacuum picks up everything, even dog hair, and it is light to carry.",
        "Positive",
        "the reviewer praises how well the vacuum cleans and how light it is",
    ),
    (
        "The instructions were missing, and two screws did not fit.",
        "Negative",
        "the reviewer reports missing instructions and wrong parts",
    ),
    (
        "The concert was pure joy from the first song to the last.",
        "Positive",
        "the reviewer enjoyed the whole concert",
    ),
    (
        "The course videos are outdated and half of the links are broken.",
        "Negative",
        "the reviewer complains about outdated videos and broken links",
    ),
    (
        "The gym is clean, never crowded, and the trainers are helpful.",
        "Positive",
        "the reviewer praises the clean gym and helpful trainers",
    ),
    (
        "The paint peeled off the mug after the first wash.",
        "Negative",
        "the reviewer says the mug was damaged after one wash",
    ),
    (
        "Great value for money. The tent kept us dry through a stormy night.",
        "Positive",
        "the reviewer says the tent worked well and was good value",
    ),
    (
        "The museum was closed when we arrived, even though the website said open.",
        "Negative",
        "the reviewer was misled by wrong opening hours",
    ),
    (
        "The kids loved the puzzle, and it kept them busy for hours.",
        "Positive",
        "the reviewer says the children enjoyed the puzzle",
    ),
    (
        "The printer jams on every third page.",
        "Negative",
        "the reviewer reports that the printer keeps jamming",
    ),
    (
        "Friendly dentist, no waiting, and the cleaning did not hurt at all.",
        "Positive",
        "the reviewer praises the friendly, quick and painless visit",
    ),
    (
        "The game is boring after the first level and full of ads.",
        "Negative",
        "the reviewer found the game boring and full of ads",
    ),
    (
        "The knife is sharp, well balanced and easy to clean.",
        "Positive",
        "the reviewer praises the sharpness, balance and easy cleaning",
    ),
    (
        "Our order was wrong twice, and the manager just shrugged.",
        "Negative",
        "the reviewer got wrong orders and poor service",
    ),
]

SENTIMENT_INSTRUCTIONS = [
    "Classify the sentiment of this review as positive or negative.",
    "Is the following review positive or negative?",
    "Does this customer sound satisfied? Answer positive or negative.",
]

# (headline, topic)
HEADLINES = [
    ("Local team wins the championship after a dramatic penalty shootout", "sports"),
    ("Tennis star announces retirement at the age of 35", "sports"),
    ("Marathon record falls after a thrilling sprint to the finish", "sports"),
    ("National swim team qualifies for the relay final", "sports"),
    ("Rookie goalkeeper saves three penalties in cup match", "sports"),
    ("Parliament passes new law on public transport funding", "politics"),
    ("Prime minister calls early election for next spring", "politics"),
    ("Mayor and city council clash over housing budget", "politics"),
    ("Voters head to the polls in tight regional election", "politics"),
    ("Senate committee opens hearing on data privacy bill", "politics"),
    ("Astronomers discover a planet orbiting two stars", "science"),
    ("New study links gut bacteria to better sleep", "science"),
    ("Researchers map the brain of a fruit fly in full detail", "science"),
    ("Scientists find ancient bacteria frozen in Antarctic ice", "science"),
    ("Telescope captures the clearest image yet of a distant galaxy", "science"),
    ("Tech company shares jump after record quarterly profit", "business"),
    ("Coffee chain to open 200 new stores next year", "business"),
    ("Car maker recalls 50,000 vehicles over brake fault", "business"),
    ("Two major banks agree to merge in billion-dollar deal", "business"),
    ("Startup raises funding to expand grocery delivery service", "business"),
]

# (animal, class)
ANIMAL_CLASSES = [
    ("dolphin", "mammal"),
    ("bat", "mammal"),
    ("kangaroo", "mammal"),
    ("platypus", "mammal"),
    ("seal", "mammal"),
    ("koala", "mammal"),
    ("giraffe", "mammal"),
    ("penguin", "bird"),
    ("ostrich", "bird"),
    ("eagle", "bird"),
    ("owl", "bird"),
    ("hummingbird", "bird"),
    ("parrot", "bird"),
    ("crocodile", "reptile"),
    ("turtle", "reptile"),
    ("lizard", "reptile"),
    ("iguana", "reptile"),
    ("chameleon", "reptile"),
    ("tortoise", "reptile"),
    ("frog", "amphibian"),
    ("salamander", "amphibian"),
    ("toad", "amphibian"),
    ("newt", "amphibian"),
    ("axolotl", "amphibian"),
    ("shark", "fish"),
    ("salmon", "fish"),
    ("tuna", "fish"),
    ("seahorse", "fish"),
    ("trout", "fish"),
    ("ant", "insect"),
    ("bee", "insect"),
    ("butterfly", "insect"),
    ("beetle", "insect"),
    ("grasshopper", "insect"),
    ("mosquito", "insect"),
]

# Two disjoint groups per row, with members that clearly belong to one group only.
GROUPS = [
    (
        "fruits",
        ["apple", "banana", "cherry", "grape", "mango", "pear", "peach", "plum"],
        "vegetables",
        ["carrot", "potato", "onion", "spinach", "broccoli", "cabbage", "lettuce"],
    ),
    (
        "mammals",
        ["horse", "tiger", "rabbit", "whale", "bear", "goat", "wolf"],
        "birds",
        ["sparrow", "eagle", "penguin", "owl", "swan", "parrot", "robin"],
    ),
    (
        "countries",
        ["France", "Japan", "Kenya", "Peru", "Canada", "Norway", "Egypt"],
        "cities",
        ["Paris", "Tokyo", "Nairobi", "Lima", "Toronto", "Chicago", "Mumbai"],
    ),
    (
        "string instruments",
        ["violin", "guitar", "cello", "harp", "banjo", "viola"],
        "wind instruments",
        ["flute", "clarinet", "trumpet", "oboe", "saxophone", "trombone"],
    ),
    (
        "metals",
        ["iron", "copper", "gold", "silver", "aluminum", "zinc"],
        "gases at room temperature",
        ["oxygen", "nitrogen", "helium", "neon", "hydrogen", "argon"],
    ),
]


def _is_prime(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, math.isqrt(n) + 1))


def classification_examples(rng: random.Random, group_count: int) -> list[Example]:
    """Sentiment, news topic, animal class, primality and two-way grouping."""
    examples = []
    for i, (review, label, reason) in enumerate(REVIEWS):
        examples.append(
            Example(
                "classification",
                SENTIMENT_INSTRUCTIONS[i % len(SENTIMENT_INSTRUCTIONS)],
                review,
                f"{label}. {reason[0].upper()}{reason[1:]}.",
            )
        )

    for headline, topic in HEADLINES:
        examples.append(
            Example(
                "classification",
                "Which topic fits this headline best: sports, politics, science or "
                "business?",
                headline,
                f"The headline is about {topic}.",
            )
        )

    for animal, kind in ANIMAL_CLASSES:
        article = "an" if animal[0] in "aeiou" else "a"
        examples.append(
            Example(
                "classification",
                f"Is {article} {animal} a mammal, bird, reptile, amphibian, fish or "
                "insect?",
                "",
                f"{article.capitalize()} {animal} is {'an' if kind[0] in 'aeiou' else 'a'} "
                f"{kind}.",
            )
        )

    for n in rng.sample(range(2, 200), 30):
        if _is_prime(n):
            answer = f"Yes. {n} is prime because its only divisors are 1 and {n}."
        else:
            factor = next(d for d in range(2, n) if n % d == 0)
            answer = f"No. {n} is not prime because {n} = {factor} × {n // factor}."
        examples.append(
            Example("classification", f"Is {n} a prime number?", "", answer)
        )

    seen: set[str] = set()
    while len(seen) < group_count:
        first, first_members, second, second_members = rng.choice(GROUPS)
        picked_first = rng.sample(first_members, 3)
        picked_second = rng.sample(second_members, 2 + rng.randint(0, 1))
        items = picked_first + picked_second
        rng.shuffle(items)
        text = ", ".join(items)
        if text in seen:
            continue
        seen.add(text)
        in_first = [x for x in items if x in picked_first]
        in_second = [x for x in items if x in picked_second]
        examples.append(
            Example(
                "classification",
                f"Group these into {first} and {second}: {text}.",
                "",
                f"{first.capitalize()}: {', '.join(in_first)}. "
                f"{second.capitalize()}: {', '.join(in_second)}.",
            )
        )
    return examples


# --------------------------------------------------------------------------------------
# Rewriting (hand-written pairs)
# --------------------------------------------------------------------------------------

# instruction -> list of (input, rewritten)
REWRITES = {
    "Rewrite this sentence in a more formal tone.": [
        (
            "Hey, can you send me the file asap?",
            "Could you please send me the file as soon as possible?",
        ),
        (
            "The meeting got pushed to Friday.",
            "The meeting has been postponed to Friday.",
        ),
        (
            "We're gonna need more time for this.",
            "We will need additional time to complete this.",
        ),
        ("Thanks a ton for the help!", "Thank you very much for your help."),
        (
            "Sorry, I can't make it tomorrow.",
            "I regret that I will be unable to attend tomorrow.",
        ),
        ("Your report was really good.", "Your report was excellent."),
        ("Let me know what you think.", "Please let me know your thoughts."),
        ("The printer's broken again.", "The printer is out of order again."),
        (
            "I need the numbers by Monday, ok?",
            "I would appreciate receiving the figures by Monday.",
        ),
        (
            "We messed up the order, sorry about that.",
            "We apologize for the error in your order.",
        ),
        (
            "Can you check this out when you get a sec?",
            "Could you review this when you have a moment?",
        ),
        ("Lots of people showed up to the event.", "The event was well attended."),
        ("The new guy starts next week.", "The new employee begins next week."),
        ("This plan is kind of a mess.", "This plan needs considerable revision."),
    ],
    "Rewrite this sentence in the past tense.": [
        ("She walks to school every morning.", "She walked to school every morning."),
        ("They are building a new bridge.", "They were building a new bridge."),
        ("I eat breakfast at seven.", "I ate breakfast at seven."),
        ("The dog runs across the field.", "The dog ran across the field."),
        (
            "We write letters to our grandparents.",
            "We wrote letters to our grandparents.",
        ),
        ("He takes the bus to work.", "He took the bus to work."),
        ("The children sing in the choir.", "The children sang in the choir."),
        ("It rains all weekend.", "It rained all weekend."),
        ("My sister teaches math.", "My sister taught math."),
        ("The store opens at nine.", "The store opened at nine."),
        ("You forget your keys again.", "You forgot your keys again."),
        ("The baby sleeps through the night.", "The baby slept through the night."),
        ("We swim in the lake.", "We swam in the lake."),
        ("He buys fresh fruit at the market.", "He bought fresh fruit at the market."),
    ],
    "Rewrite this sentence in the active voice.": [
        ("The cake was baked by my grandmother.", "My grandmother baked the cake."),
        ("The window was broken by the ball.", "The ball broke the window."),
        ("The letter was written by Anna.", "Anna wrote the letter."),
        ("The song was sung by the whole class.", "The whole class sang the song."),
        ("The car was repaired by a mechanic.", "A mechanic repaired the car."),
        ("The prize was won by our team.", "Our team won the prize."),
        ("The house was painted by the neighbors.", "The neighbors painted the house."),
        ("The mouse was caught by the cat.", "The cat caught the mouse."),
        ("The decision was made by the committee.", "The committee made the decision."),
        (
            "The book was read by millions of people.",
            "Millions of people read the book.",
        ),
        (
            "The bridge was designed by a young engineer.",
            "A young engineer designed the bridge.",
        ),
        ("The cookies were eaten by the children.", "The children ate the cookies."),
        ("The email was sent by the manager.", "The manager sent the email."),
    ],
    "Correct the grammar and spelling in this sentence.": [
        ("Their going to the park tommorow.", "They're going to the park tomorrow."),
        ("She dont like coffee.", "She doesn't like coffee."),
        ("Me and him went to the store.", "He and I went to the store."),
        ("I recieved you're message yesterday.", "I received your message yesterday."),
        ("The dogs is barking loudly.", "The dogs are barking loudly."),
        ("He have three brother.", "He has three brothers."),
        ("We was late for the meeting.", "We were late for the meeting."),
        ("Its a beautifull day.", "It's a beautiful day."),
        ("I seen that movie last week.", "I saw that movie last week."),
        ("The childrens played outside.", "The children played outside."),
        ("She can sings very good.", "She can sing very well."),
        ("There is many reasons to exercise.", "There are many reasons to exercise."),
        ("I should of called you.", "I should have called you."),
        ("Everyone have their own opinion.", "Everyone has their own opinion."),
    ],
    "Rewrite this sentence using simpler words.": [
        (
            "The physician advised him to commence the medication immediately.",
            "The doctor told him to start the medicine right away.",
        ),
        (
            "We must endeavor to ameliorate the situation.",
            "We must try to make things better.",
        ),
        ("The edifice was illuminated at dusk.", "The building was lit up at sunset."),
        ("She possesses an abundance of knowledge.", "She knows a lot."),
        ("Please refrain from utilizing your phone.", "Please do not use your phone."),
        (
            "The committee will deliberate prior to reaching a verdict.",
            "The group will talk it over before deciding.",
        ),
        (
            "He was exhausted subsequent to the marathon.",
            "He was very tired after the marathon.",
        ),
        (
            "The cuisine at the establishment was exquisite.",
            "The food at the restaurant was delicious.",
        ),
        ("It is imperative that you arrive punctually.", "You must be on time."),
        (
            "The weather was inclement throughout the excursion.",
            "The weather was bad during the whole trip.",
        ),
        ("She demonstrated remarkable tenacity.", "She showed great determination."),
        (
            "The residence is in close proximity to the school.",
            "The house is close to the school.",
        ),
        (
            "They endeavored to ascertain the truth.",
            "They tried to find out the truth.",
        ),
    ],
    "Rewrite this request to make it more polite.": [
        ("Give me the report.", "Could you please give me the report?"),
        ("Close the door.", "Would you mind closing the door, please?"),
        ("Call me back.", "Could you please call me back when you have time?"),
        ("Move your car.", "Excuse me, could you please move your car?"),
        (
            "Turn the music down.",
            "Would you mind turning the music down a little, please?",
        ),
        (
            "Answer my email.",
            "Could you please reply to my email when you get a chance?",
        ),
        ("Fix this bug today.", "Could you please try to fix this bug today?"),
        ("Bring me a glass of water.", "Could you bring me a glass of water, please?"),
        ("Explain that again.", "Sorry, could you please explain that again?"),
        ("Wait here.", "Could you please wait here for a moment?"),
        (
            "Stop talking during the movie.",
            "Would you mind keeping quiet during the movie, please?",
        ),
        ("Send me the address.", "Could you please send me the address?"),
    ],
}


def rewriting_examples() -> list[Example]:
    """Change tone, tense, voice, grammar or vocabulary while keeping the meaning."""
    return [
        Example("rewriting", instruction, text, rewritten)
        for instruction, pairs in REWRITES.items()
        for text, rewritten in pairs
    ]


# --------------------------------------------------------------------------------------
# Summarizing (hand-written passages)
# --------------------------------------------------------------------------------------

SUMMARY_INSTRUCTIONS = [
    "Summarize this paragraph in one sentence.",
    "Write a one-sentence summary of the following text.",
    "What is the main point of this passage? Answer in one sentence.",
]

# (passage, one-sentence summary)
PASSAGES = [
    (
        (
            "Honeybees communicate through a movement called the waggle dance. When a bee "
            "finds a good patch of flowers, it returns to the hive and walks in a figure "
            "eight while shaking its body. The angle of the dance shows the direction of "
            "the flowers, and its length shows how far away they are."
        ),
        (
            "Honeybees use a waggle dance to tell other bees the direction and distance "
            "of good flowers."
        ),
    ),
    (
        (
            "Many cities are planting trees along their streets. Trees give shade, cool "
            "the air in summer and absorb rainwater that would otherwise flood the "
            "streets. Studies also suggest that people walk more in neighborhoods with "
            "more trees."
        ),
        (
            "Cities plant street trees because they cool the air, reduce flooding and "
            "encourage walking."
        ),
    ),
    (
        (
            "The library will close for renovation from June to August. During this "
            "time, books can be returned at the community center, and the online catalog "
            "will stay available. The renovated library will have a larger children's "
            "section and a quiet study room."
        ),
        (
            "The library closes for renovation over the summer, with returns at the "
            "community center and new spaces when it reopens."
        ),
    ),
    (
        (
            "Regular exercise does more than build muscle. It strengthens the heart, "
            "improves sleep and lowers stress. Even a brisk thirty-minute walk on most "
            "days can bring many of these benefits."
        ),
        (
            "Regular exercise, even brisk walking, improves heart health, sleep and "
            "stress levels."
        ),
    ),
    (
        (
            "The first successful powered airplane flight took place in 1903. Orville "
            "and Wilbur Wright flew their aircraft for 12 seconds near Kitty Hawk, North "
            "Carolina. Within a few decades, airplanes were carrying passengers across "
            "oceans."
        ),
        (
            "The Wright brothers made the first powered airplane flight in 1903, and air "
            "travel grew quickly after that."
        ),
    ),
    (
        (
            "Our team has decided to move the weekly meeting from Monday to Wednesday "
            "morning. Many people were busy with deadlines at the start of the week. The "
            "new time should give everyone a chance to prepare updates."
        ),
        (
            "The weekly meeting moves from Monday to Wednesday so that people have time "
            "to prepare."
        ),
    ),
    (
        (
            "Octopuses are known for their intelligence. They can open jars, escape from "
            "tanks and use coconut shells as shelters. Each of their eight arms has many "
            "nerve cells, so the arms can act partly on their own."
        ),
        (
            "Octopuses are intelligent animals that solve problems, use tools and have "
            "arms that can act partly on their own."
        ),
    ),
    (
        (
            "Drinking enough water is important for health. Water helps control body "
            "temperature, carries nutrients to cells and keeps joints moving smoothly. "
            "Thirst, dark urine and headaches can be signs that you need to drink more."
        ),
        (
            "Water is essential for many body functions, and thirst or headaches can "
            "signal that you need more."
        ),
    ),
    (
        (
            "The town's old railway line has been turned into a walking and cycling "
            "path. The path runs for twelve kilometers through forests and farmland. "
            "Local businesses say that more visitors have come since it opened."
        ),
        (
            "An old railway line has become a popular twelve-kilometer walking and "
            "cycling path that brings visitors to the town."
        ),
    ),
    (
        (
            "Saving money becomes easier when it is automatic. Many banks let you move a "
            "fixed amount into a savings account on payday. Because the money leaves "
            "before you can spend it, you are less tempted to use it."
        ),
        "Setting up automatic transfers on payday makes saving money easier.",
    ),
    (
        (
            "The Great Wall of China was built over many centuries by different "
            "dynasties. It was meant to protect against invasions from the north. Today "
            "it is one of the most visited tourist sites in the world."
        ),
        (
            "The Great Wall of China, built over centuries for defense, is now a major "
            "tourist site."
        ),
    ),
    (
        (
            "Reading to young children every day helps them learn language. They hear "
            "new words, learn how stories are built and connect books with time spent "
            "with a parent. Experts recommend starting even before a child can talk."
        ),
        "Reading daily to young children helps them learn language and enjoy books.",
    ),
    (
        (
            "Solar panels turn sunlight into electricity. Their price has fallen sharply "
            "over the past decade, so more homes and businesses can afford them. In "
            "sunny regions, they can now produce power more cheaply than coal."
        ),
        (
            "Solar panels have become much cheaper and can now beat coal on price in "
            "sunny places."
        ),
    ),
    (
        (
            "The museum's new exhibition shows tools, jewelry and pottery from a Bronze "
            "Age village discovered during road construction. Visitors can also try a "
            "virtual reality tour of the village as it might have looked 3,000 years "
            "ago."
        ),
        (
            "A new museum exhibition presents finds from a Bronze Age village, including "
            "a virtual reality tour."
        ),
    ),
    (
        (
            "Our online store will upgrade its servers this Sunday between 2 and 4 am. "
            "During this time, customers will not be able to place orders. We apologize "
            "for the inconvenience and thank you for your patience."
        ),
        (
            "The online store will be unavailable for orders during a server upgrade "
            "early on Sunday."
        ),
    ),
    (
        (
            "Penguins live almost entirely in the Southern Hemisphere. They cannot fly, "
            "but their wings work like flippers, making them excellent swimmers. Some "
            "species dive more than 500 meters deep to catch fish."
        ),
        (
            "Penguins are flightless birds of the Southern Hemisphere that are superb "
            "swimmers and divers."
        ),
    ),
    (
        (
            "Learning a musical instrument takes patience. Beginners often practice "
            "simple pieces for weeks before they sound good. Short daily practice "
            "sessions usually work better than one long session each week."
        ),
        "Learning an instrument takes patience, and short daily practice works best.",
    ),
    (
        (
            "A new bus line will connect the university with the city center starting in "
            "September. Buses will run every ten minutes during the day. Students can "
            "ride for free with their student card."
        ),
        (
            "From September, a frequent new bus line will link the university and city "
            "center, free for students."
        ),
    ),
    (
        (
            "The Amazon rainforest is home to around one in ten known species on Earth. "
            "It also stores large amounts of carbon in its trees. Cutting down the forest "
            "threatens both this wildlife and the global climate."
        ),
        (
            "The Amazon rainforest holds a huge share of Earth's species and carbon, so "
            "deforestation harms wildlife and the climate."
        ),
    ),
    (
        (
            "Our neighborhood is organizing a clean-up day on Saturday. Volunteers will "
            "meet at the park at nine, and gloves and bags will be provided. Afterwards, "
            "there will be a picnic for everyone who helped."
        ),
        (
            "Neighbors are invited to a Saturday clean-up at the park, followed by a "
            "picnic for volunteers."
        ),
    ),
    (
        (
            "Coffee originated in Ethiopia, where, according to legend, a goat herder "
            "noticed that his goats became lively after eating certain berries. The "
            "drink later spread to Yemen and the Middle East, and then to Europe."
        ),
        (
            "Coffee began in Ethiopia and spread through Yemen and the Middle East to "
            "Europe."
        ),
    ),
    (
        (
            "Sleep experts suggest keeping a regular bedtime, even on weekends. They "
            "also recommend avoiding screens for an hour before bed and keeping the "
            "bedroom cool and dark. These habits help the body fall asleep more easily."
        ),
        (
            "A regular bedtime, no screens before bed and a cool, dark room help people "
            "fall asleep."
        ),
    ),
    (
        (
            "The company reported that sales grew by 15 percent last year, mainly "
            "because of strong demand for its electric bicycles. It plans to open a "
            "second factory next year to keep up with orders."
        ),
        (
            "Strong demand for electric bicycles raised the company's sales by 15 "
            "percent, and it plans a second factory."
        ),
    ),
    (
        (
            "Volcanic soil is often very fertile. Ash from eruptions adds minerals that "
            "plants need, which is why farms are found on the slopes of many active "
            "volcanoes despite the danger."
        ),
        "Farmers work near volcanoes because volcanic ash makes the soil very fertile.",
    ),
    (
        (
            "Many people now work from home at least part of the week. They save time "
            "on commuting and can focus in a quiet space. However, some miss chatting "
            "with colleagues and find it hard to separate work from home life."
        ),
        (
            "Working from home saves commuting time and aids focus, but some people miss "
            "colleagues and struggle to switch off."
        ),
    ),
    (
        (
            "The school garden project lets students grow vegetables on the school "
            "grounds. They learn about plants, soil and weather, and the harvest is used "
            "in the school kitchen. Teachers say the students eat more vegetables since "
            "the project began."
        ),
        (
            "A school garden teaches students about growing food and has led them to eat "
            "more vegetables."
        ),
    ),
    (
        (
            "Elephants have excellent memories. They can remember the locations of water "
            "holes across large areas and recognize the calls of dozens of other "
            "elephants. Older females often lead their herds to water in dry seasons."
        ),
        (
            "Elephants' strong memories help them find water and recognize other "
            "elephants, and older females lead herds in droughts."
        ),
    ),
    (
        (
            "Washing hands with soap for at least twenty seconds removes most germs. "
            "Soap breaks apart the oily layer that protects many viruses and bacteria. "
            "Hand washing is one of the simplest ways to prevent illness."
        ),
        (
            "Washing hands with soap for twenty seconds removes germs and helps prevent "
            "illness."
        ),
    ),
    (
        (
            "The printing press, developed by Johannes Gutenberg around 1440, made it "
            "possible to produce books quickly and cheaply. Knowledge spread faster, and "
            "more people learned to read."
        ),
        (
            "Gutenberg's printing press made books cheap, spreading knowledge and "
            "literacy."
        ),
    ),
    (
        (
            "Starting next month, the cafeteria will offer a vegetarian option every day. "
            "The change follows a survey in which most employees asked for more "
            "meat-free meals. The menu will be posted each Monday."
        ),
        (
            "After a staff survey, the cafeteria will serve a daily vegetarian option "
            "from next month."
        ),
    ),
    (
        (
            "Wind turbines produce electricity when the wind turns their blades. Most "
            "are built in open areas or at sea, where winds are strong and steady. A "
            "single large turbine can power thousands of homes."
        ),
        (
            "Wind turbines, placed where winds are strong, turn wind into enough "
            "electricity for thousands of homes."
        ),
    ),
    (
        (
            "To keep houseplants healthy, water them only when the top of the soil feels "
            "dry. Too much water can rot the roots. Most houseplants also need bright, "
            "indirect light rather than direct sun."
        ),
        (
            "Houseplants stay healthy with watering only when the soil is dry and "
            "bright, indirect light."
        ),
    ),
    (
        (
            "The city marathon will close several roads on Sunday morning. Drivers are "
            "advised to use the ring road, and extra trains will run from the suburbs. "
            "Roads will reopen by two in the afternoon."
        ),
        (
            "Roads will close for Sunday's marathon, so drivers should use the ring road "
            "or extra trains until 2 pm."
        ),
    ),
    (
        (
            "Owls can turn their heads up to about 270 degrees. Because their eyes are "
            "fixed in place, they must move their whole head to look around. Special "
            "blood vessels keep blood flowing to the brain while they turn."
        ),
        "Owls turn their heads very far to look around because their eyes cannot move.",
    ),
    (
        (
            "Good passwords are long and hard to guess. Security experts recommend using "
            "a passphrase of several random words and never reusing a password on "
            "different websites. A password manager can help keep track of them."
        ),
        "Use long, unique passphrases for every site, ideally with a password manager.",
    ),
    (
        (
            "The local bakery has won a national award for its sourdough bread. The "
            "owners use a starter that is more than twenty years old and bake every loaf "
            "by hand. Lines now form outside the shop early each morning."
        ),
        (
            "A local bakery's handmade sourdough won a national award and now draws "
            "morning queues."
        ),
    ),
    (
        (
            "The Moon has a strong effect on Earth's oceans. Its gravity pulls on the "
            "water and creates two bulges, which cause high tides. As Earth rotates, "
            "most coasts see two high tides and two low tides each day."
        ),
        (
            "The Moon's gravity creates the ocean tides, usually two highs and two lows "
            "a day."
        ),
    ),
    (
        (
            "Volunteers at the animal shelter walk dogs, clean cages and help at "
            "adoption events. The shelter says it could not care for so many animals "
            "without them and is looking for more helpers on weekends."
        ),
        "The animal shelter depends on volunteers and needs more weekend helpers.",
    ),
    (
        (
            "Ancient Egyptians built the pyramids as tombs for their kings. The largest, "
            "the Great Pyramid of Giza, was built around 4,500 years ago and was the "
            "tallest human-made structure for thousands of years."
        ),
        (
            "The Egyptian pyramids were royal tombs, and the Great Pyramid was the "
            "tallest structure for millennia."
        ),
    ),
    (
        (
            "Eating slowly can help with digestion and weight control. It takes about "
            "twenty minutes for the brain to register that the stomach is full. People "
            "who eat quickly often eat more than they need."
        ),
        (
            "Eating slowly gives the brain time to notice fullness, which helps "
            "digestion and prevents overeating."
        ),
    ),
]


def summarizing_examples() -> list[Example]:
    """Passages of two to four sentences with one-sentence summaries."""
    return [
        Example(
            "summarizing",
            SUMMARY_INSTRUCTIONS[i % len(SUMMARY_INSTRUCTIONS)],
            text,
            summary,
        )
        for i, (text, summary) in enumerate(PASSAGES)
    ]


# --------------------------------------------------------------------------------------
# Brainstorming (hand-written lists)
# --------------------------------------------------------------------------------------

# (request, three ideas)
BRAINSTORMS = [
    (
        "fun activities for a rainy day at home",
        [
            "Build a blanket fort and read stories inside it.",
            "Bake cookies together.",
            "Hold a board game tournament.",
        ],
    ),
    (
        "ways to save money on groceries",
        [
            "Plan meals for the week and shop with a list.",
            "Buy store brands instead of name brands.",
            "Cook in batches and freeze leftovers.",
        ],
    ),
    ("names for a friendly golden retriever", ["Sunny", "Biscuit", "Maple"]),
    (
        "names for a small coffee shop",
        ["The Daily Grind", "Bean There", "Morning Ritual"],
    ),
    (
        "ways to reduce plastic waste",
        [
            "Carry a reusable water bottle.",
            "Bring cloth bags when shopping.",
            "Buy food in bulk or with less packaging.",
        ],
    ),
    (
        "ideas for a child's birthday party",
        [
            "A treasure hunt in the garden.",
            "A costume party with a theme.",
            "A pizza-making workshop.",
        ],
    ),
    (
        "topics for a school science project",
        [
            "How light affects plant growth.",
            "Which paper towel brand absorbs the most water.",
            "How salt changes the freezing point of water.",
        ],
    ),
    (
        "ways to stay focused while studying",
        [
            "Put your phone in another room.",
            "Work in 25-minute blocks with short breaks.",
            "Set a clear goal for each session.",
        ],
    ),
    (
        "gift ideas for someone who loves cooking",
        [
            "A good chef's knife.",
            "A cookbook from a cuisine they like.",
            "A set of quality spices.",
        ],
    ),
    (
        "ways to meet new people in a new city",
        [
            "Join a sports club or running group.",
            "Take a class, such as pottery or a language.",
            "Volunteer for a local charity.",
        ],
    ),
    (
        "healthy snacks for work",
        [
            "A handful of nuts.",
            "Carrot sticks with hummus.",
            "Greek yogurt with berries.",
        ],
    ),
    (
        "ideas for a relaxing weekend",
        [
            "Take a long walk in nature.",
            "Read a book in a cafe.",
            "Cook a slow meal with friends.",
        ],
    ),
    ("names for a bakery", ["Rise and Shine", "The Flour Pot", "Golden Crust"]),
    (
        "ways to make a small room feel bigger",
        [
            "Use light colors on the walls.",
            "Hang a large mirror.",
            "Choose furniture with legs to show more floor.",
        ],
    ),
    (
        "uses for an old glass jar",
        [
            "Store spices or pasta.",
            "Use it as a vase for flowers.",
            "Turn it into a candle holder.",
        ],
    ),
    (
        "ideas for a team-building activity",
        [
            "An escape room challenge.",
            "A group cooking class.",
            "A volunteer day at a food bank.",
        ],
    ),
    (
        "ways to practice a new language every day",
        [
            "Label objects at home with their names.",
            "Listen to podcasts in that language.",
            "Write a short diary entry each evening.",
        ],
    ),
    (
        "ideas for a short story plot",
        [
            "A lighthouse keeper finds a message in a bottle addressed to him.",
            "A robot learns to paint.",
            "Two rivals are stuck in an elevator.",
        ],
    ),
    (
        "ways to keep cool in summer without air conditioning",
        [
            "Close the curtains during the hottest hours.",
            "Use a fan with a bowl of ice in front of it.",
            "Take cool showers.",
        ],
    ),
    ("names for a pet turtle", ["Shelly", "Sir Slowpoke", "Pebble"]),
    (
        "ideas for a picnic menu",
        [
            "Sandwiches with different fillings.",
            "A fresh fruit salad.",
            "Lemonade and cookies.",
        ],
    ),
    (
        "ways to encourage kids to read more",
        [
            "Let them choose their own books.",
            "Read together at bedtime.",
            "Visit the library every week.",
        ],
    ),
    (
        "hobbies you can start with little money",
        ["Running.", "Drawing with a pencil and paper.", "Learning to juggle."],
    ),
    (
        "ways to be more productive in the morning",
        [
            "Prepare your clothes and bag the night before.",
            "Do the hardest task first.",
            "Avoid checking email for the first hour.",
        ],
    ),
    ("themes for a costume party", ["Superheroes.", "The 1980s.", "Under the sea."]),
    (
        "ways to use leftover rice",
        ["Make fried rice.", "Cook rice pudding.", "Add it to a soup."],
    ),
    (
        "slogans for a recycling campaign",
        [
            "Give your trash a second life.",
            "Sort today, save tomorrow.",
            "Recycle: small habit, big change.",
        ],
    ),
    (
        "ideas for a family game night",
        [
            "Charades.",
            "A trivia quiz about family memories.",
            "A card game tournament.",
        ],
    ),
    (
        "ways to reduce stress at work",
        [
            "Take a short walk at lunch.",
            "Make a to-do list and tackle one item at a time.",
            "Take a few deep breaths before meetings.",
        ],
    ),
    (
        "names for a hiking club",
        ["Trail Blazers", "Peak Seekers", "The Weekend Wanderers"],
    ),
    (
        "ways to save energy at home",
        [
            "Switch to LED light bulbs.",
            "Turn off devices instead of leaving them on standby.",
            "Wash clothes in cold water.",
        ],
    ),
    (
        "questions to ask at the end of a job interview",
        [
            "What does a typical day look like in this role?",
            "How is success measured for this position?",
            "What are the next steps in the hiring process?",
        ],
    ),
    (
        "ideas for a garden on a small balcony",
        [
            "Grow herbs in window boxes.",
            "Plant cherry tomatoes in pots.",
            "Hang trailing flowers from the railing.",
        ],
    ),
    (
        "ways to celebrate a friend's promotion",
        [
            "Take them out for dinner.",
            "Write a heartfelt card.",
            "Organize a small surprise party.",
        ],
    ),
    (
        "ideas for a blog about travel",
        [
            "Budget travel tips for students.",
            "Guides to hidden spots in big cities.",
            "Stories about local food around the world.",
        ],
    ),
    (
        "ways to make new habits stick",
        [
            "Start very small.",
            "Attach the new habit to an existing routine.",
            "Track your progress on a calendar.",
        ],
    ),
    ("names for a robot in a children's story", ["Bolt", "Whirly", "Captain Cog"]),
    (
        "activities for a day at the beach",
        ["Build a sandcastle.", "Go snorkeling.", "Play beach volleyball."],
    ),
    (
        "ways to help elderly neighbors",
        [
            "Offer to carry their groceries.",
            "Visit them for a chat.",
            "Help them with their garden.",
        ],
    ),
    (
        "ideas for a vegetarian dinner",
        ["Vegetable curry with rice.", "Mushroom risotto.", "Black bean tacos."],
    ),
    (
        "ways to decorate a classroom",
        [
            "Display students' artwork.",
            "Create a reading corner with cushions.",
            "Hang a world map.",
        ],
    ),
    (
        "creative uses for cardboard boxes",
        [
            "Build a playhouse for kids.",
            "Make storage bins for the closet.",
            "Cut them into a cat scratching pad.",
        ],
    ),
    (
        "ways to improve your handwriting",
        [
            "Write slowly and steadily.",
            "Practice letters on lined paper.",
            "Hold the pen with a relaxed grip.",
        ],
    ),
    (
        "ideas for a podcast",
        [
            "Interviews with local small business owners.",
            "Book reviews in ten minutes.",
            "History stories told for kids.",
        ],
    ),
    (
        "ways to spend less time on your phone",
        [
            "Turn off non-essential notifications.",
            "Keep the phone out of the bedroom.",
            "Set daily time limits for apps.",
        ],
    ),
    (
        "fundraising ideas for a school",
        ["A bake sale.", "A sponsored fun run.", "A used book fair."],
    ),
    ("names for a fantasy kingdom", ["Eldoria", "Silverreach", "Thornvale"]),
    (
        "ways to welcome a new coworker",
        [
            "Invite them to lunch.",
            "Introduce them to the team.",
            "Give them a quick tour of the office.",
        ],
    ),
    (
        "ideas for a winter weekend trip",
        [
            "A cabin in the mountains.",
            "A city with Christmas markets.",
            "A hot spring resort.",
        ],
    ),
    (
        "toppings for homemade pizza",
        ["Mushrooms and olives.", "Spinach and feta.", "Pepperoni and peppers."],
    ),
]

BRAINSTORM_PHRASINGS = ["List three {}.", "Suggest three {}.", "Give me three {}."]


def brainstorming_examples() -> list[Example]:
    """Requests for three ideas, answered as a numbered list."""
    examples = []
    for i, (request, ideas) in enumerate(BRAINSTORMS):
        phrasing = BRAINSTORM_PHRASINGS[i % len(BRAINSTORM_PHRASINGS)]
        output = "\n".join(f"{n}. {idea}" for n, idea in enumerate(ideas, start=1))
        examples.append(Example("brainstorming", phrasing.format(request), "", output))
    return examples


# --------------------------------------------------------------------------------------
# Advice (hand-written)
# --------------------------------------------------------------------------------------

ADVICE = [
    (
        "How can I fall asleep faster?",
        (
            "Go to bed at the same time every night and avoid screens for an hour before "
            "bed. Keep your bedroom cool, dark and quiet, and skip coffee after lunch."
        ),
    ),
    (
        "How can I prepare for a job interview?",
        (
            "Research the company and reread the job description. Practice answers to "
            "common questions with examples from your experience, and prepare a few "
            "questions of your own."
        ),
    ),
    (
        "What should I do if I feel nervous before a presentation?",
        (
            "Practice the talk out loud several times so the words feel familiar. Just "
            "before you start, take a few slow, deep breaths and focus on your first "
            "sentence."
        ),
    ),
    (
        "How can I start saving money?",
        (
            "Track your spending for a month to see where your money goes. Then set a "
            "small, automatic transfer to a savings account every payday."
        ),
    ),
    (
        "How do I keep a houseplant alive?",
        (
            "Water it only when the top of the soil feels dry, and make sure the pot has "
            "drainage holes. Most houseplants like bright, indirect light."
        ),
    ),
    (
        "How can I make friends as an adult?",
        (
            "Join activities that repeat every week, such as a club, class or sports "
            "team, because friendships grow from regular contact. Suggest coffee to "
            "people you enjoy talking to."
        ),
    ),
    (
        "How can I stop procrastinating?",
        (
            "Break the task into small steps and start with one that takes five minutes. "
            "Remove distractions, such as your phone, while you work."
        ),
    ),
    (
        "What is a good way to learn to cook?",
        (
            "Start with a few simple recipes, such as pasta, omelets and stir-fries, and "
            "cook them until you know them well. Then change one ingredient at a time to "
            "learn how flavors work."
        ),
    ),
    (
        "How can I drink more water during the day?",
        (
            "Keep a refillable bottle on your desk and drink a glass with every meal. "
            "Adding a slice of lemon or cucumber can make it more appealing."
        ),
    ),
    (
        "How should I start running if I have never run before?",
        (
            "Begin with short intervals, such as one minute of running and two minutes "
            "of walking, for twenty minutes. Run three times a week and increase the "
            "running time slowly."
        ),
    ),
    (
        "How can I be a better listener?",
        (
            "Give the speaker your full attention and put your phone away. Ask questions "
            "about what they said, and repeat key points in your own words to check "
            "that you understood."
        ),
    ),
    (
        "How can I keep my passwords safe?",
        (
            "Use a long, different password for every account and store them in a "
            "password manager. Turn on two-factor authentication wherever it is offered."
        ),
    ),
    (
        "What should I pack for a weekend hiking trip?",
        (
            "Pack water, snacks, a map, a rain jacket, a warm layer and a small first "
            "aid kit. Wear comfortable boots that you have already broken in."
        ),
    ),
    (
        "How can I study more effectively for exams?",
        (
            "Test yourself with practice questions instead of only rereading notes. "
            "Spread your study over several days and get enough sleep before the exam."
        ),
    ),
    (
        "How can I reduce my screen time?",
        (
            "Turn off notifications you do not need and keep your phone out of the "
            "bedroom. Set a daily limit for the apps you use most."
        ),
    ),
    (
        "How do I write a good thank-you note?",
        (
            "Thank the person for something specific and say how it helped or made you "
            "feel. Keep it short and send it soon after the event."
        ),
    ),
    (
        "How can I stay motivated to exercise?",
        (
            "Choose an activity you enjoy and schedule it like an appointment. "
            "Exercising with a friend and tracking your progress also help."
        ),
    ),
    (
        "What should I do if I disagree with a coworker?",
        (
            "Talk to them privately and calmly, and focus on the problem rather than the "
            "person. Listen to their view first, then look for a solution you can both "
            "accept."
        ),
    ),
    (
        "How can I make my mornings less stressful?",
        (
            "Prepare your clothes, bag and lunch the evening before. Wake up fifteen "
            "minutes earlier so you are not rushing."
        ),
    ),
    (
        "How should I care for a new puppy?",
        (
            "Give it a regular routine for meals, walks and sleep, and start house "
            "training right away. Take it to a vet for vaccinations and reward good "
            "behavior with treats."
        ),
    ),
    (
        "How can I improve my public speaking?",
        (
            "Practice in front of a friend or record yourself and watch it back. Speak "
            "slowly, pause between ideas and make eye contact with your audience."
        ),
    ),
    (
        "How can I eat more vegetables?",
        (
            "Add a vegetable to every meal, such as spinach in eggs or peppers in pasta "
            "sauce. Keep washed, cut vegetables in the fridge for easy snacks."
        ),
    ),
    (
        "What is a good way to organize my week?",
        (
            "On Sunday, write down your appointments and your three most important tasks "
            "for the week. Block time in your calendar for each task."
        ),
    ),
    (
        "How can I stay safe when using public Wi-Fi?",
        (
            "Avoid logging in to banking or other sensitive accounts on public Wi-Fi. "
            "Check that websites use HTTPS, and use a trusted VPN if you can."
        ),
    ),
    (
        "How do I ask for a raise?",
        (
            "Collect examples of your results and find out what similar jobs pay. Ask "
            "your manager for a meeting and calmly explain why your work deserves a "
            "higher salary."
        ),
    ),
    (
        "How can I help a friend who is feeling down?",
        (
            "Spend time with them and listen without rushing to give advice. If the low "
            "mood lasts or gets worse, gently encourage them to talk to a doctor or "
            "counselor."
        ),
    ),
    (
        "How can I remember people's names better?",
        (
            "Repeat the name when you are introduced, as in 'Nice to meet you, Sara.' "
            "Link the name to something about the person, and use it again before you "
            "say goodbye."
        ),
    ),
    (
        "How should I prepare for a long flight?",
        (
            "Drink plenty of water, wear comfortable clothes and stand up to stretch "
            "every hour or two. Bring headphones, a book and a neck pillow."
        ),
    ),
    (
        "How can I declutter my home?",
        (
            "Work on one small area at a time, such as a single drawer. Sort items into "
            "keep, donate and throw away, and remove the donate pile right away."
        ),
    ),
    (
        "How can I get better at chess?",
        (
            "Solve a few tactics puzzles every day and review your own games to find "
            "mistakes. Learn the basic principles of the opening: control the center and "
            "develop your pieces."
        ),
    ),
    (
        "How do I start a vegetable garden?",
        (
            "Pick a sunny spot and start small with easy crops such as lettuce, beans "
            "and tomatoes. Improve the soil with compost and water regularly."
        ),
    ),
    (
        "How can I keep my kitchen clean with little effort?",
        (
            "Wash dishes right after meals and wipe the counters every evening. Put "
            "things back in their place as soon as you finish using them."
        ),
    ),
    (
        "What should I do before buying a used car?",
        (
            "Check the car's history report and ask a trusted mechanic to inspect it. "
            "Always take a test drive and compare the price with similar cars."
        ),
    ),
    (
        "How can I become a faster reader?",
        (
            "Read more often, because practice builds speed. Avoid rereading sentences, "
            "and preview headings before you start so you know what to expect."
        ),
    ),
    (
        "How can I deal with a noisy neighbor?",
        (
            "Start with a friendly, polite conversation and explain how the noise "
            "affects you. If nothing changes, check your building rules or contact the "
            "landlord."
        ),
    ),
    (
        "How do I start learning to program?",
        (
            "Pick one beginner-friendly language, such as Python, and follow a free "
            "online course. Build small projects, like a to-do list, as soon as you "
            "can."
        ),
    ),
    (
        "How can I travel on a tight budget?",
        (
            "Travel outside the peak season and book transport early. Stay in hostels "
            "or guesthouses, and eat where locals eat."
        ),
    ),
    (
        "How can I improve my posture at my desk?",
        (
            "Set your screen at eye level and keep your feet flat on the floor. Stand up "
            "and move for a few minutes every hour."
        ),
    ),
    (
        "What should I do if I lose my wallet?",
        (
            "Call your bank right away to block your cards, and retrace your steps. "
            "Report the loss to the police and replace your ID as soon as possible."
        ),
    ),
    (
        "How can I teach my child to ride a bike?",
        (
            "Start on a balance bike or with the pedals removed so the child learns to "
            "balance first. Practice on a flat, quiet path, and make sure they wear a "
            "helmet."
        ),
    ),
    (
        "How can I write a clear email?",
        (
            "Put the main point or request in the first sentence and keep paragraphs "
            "short. Use a subject line that says what the email is about."
        ),
    ),
    (
        "How can I save time when cooking on weekdays?",
        (
            "Cook larger batches on the weekend and store portions in the fridge or "
            "freezer. Keep a few quick recipes and basic ingredients on hand."
        ),
    ),
    (
        "How do I choose a good book to read?",
        (
            "Think about books you enjoyed before and look for similar authors or "
            "genres. Read the first few pages before deciding, and ask friends or a "
            "librarian for tips."
        ),
    ),
    (
        "How can I prepare my home for a heat wave?",
        (
            "Close curtains and windows during the hottest part of the day and open them "
            "at night. Keep plenty of water in the fridge and check on elderly "
            "neighbors."
        ),
    ),
    (
        "How can I get better at giving feedback?",
        (
            "Be specific about what the person did and how it affected the result. "
            "Mention what went well as well as what to improve, and give feedback soon "
            "after the event."
        ),
    ),
    (
        "What should I do when I feel overwhelmed by work?",
        (
            "Write down everything you need to do and pick the three most important "
            "tasks. Talk to your manager about priorities if the list is too long."
        ),
    ),
    (
        "How can I protect my skin from the sun?",
        (
            "Use sunscreen with SPF 30 or higher and reapply it every two hours. Wear a "
            "hat and sunglasses, and seek shade at midday."
        ),
    ),
    (
        "How can I make a long car trip fun for kids?",
        (
            "Plan stops every two hours so they can move around. Bring snacks, "
            "audiobooks and simple games like I Spy."
        ),
    ),
]


def advice_examples() -> list[Example]:
    """Practical how-to questions answered in two or three sentences."""
    return [Example("advice", question, "", answer) for question, answer in ADVICE]


# --------------------------------------------------------------------------------------
# Vocabulary (hand-checked word pairs)
# --------------------------------------------------------------------------------------

ANTONYMS = [
    ("hot", "cold"),
    ("early", "late"),
    ("heavy", "light"),
    ("ancient", "modern"),
    ("generous", "selfish"),
    ("brave", "cowardly"),
    ("empty", "full"),
    ("narrow", "wide"),
    ("rough", "smooth"),
    ("victory", "defeat"),
    ("increase", "decrease"),
    ("accept", "refuse"),
    ("arrive", "depart"),
    ("borrow", "lend"),
    ("maximum", "minimum"),
    ("temporary", "permanent"),
    ("ascend", "descend"),
    ("friend", "enemy"),
    ("polite", "rude"),
    ("shallow", "deep"),
    ("asleep", "awake"),
    ("expensive", "cheap"),
    ("question", "answer"),
    ("remember", "forget"),
    ("visible", "invisible"),
    ("noisy", "quiet"),
    ("fragile", "sturdy"),
    ("include", "exclude"),
]

SYNONYMS = [
    ("happy", "glad"),
    ("big", "large"),
    ("fast", "quick"),
    ("begin", "start"),
    ("difficult", "hard"),
    ("smart", "intelligent"),
    ("tired", "exhausted"),
    ("angry", "furious"),
    ("look", "glance"),
    ("shut", "close"),
    ("choose", "select"),
    ("gift", "present"),
    ("rich", "wealthy"),
    ("funny", "amusing"),
    ("buy", "purchase"),
    ("ill", "sick"),
    ("enormous", "huge"),
    ("scared", "afraid"),
    ("correct", "right"),
    ("quiet", "silent"),
]

PLURALS = [
    ("child", "children"),
    ("mouse", "mice"),
    ("tooth", "teeth"),
    ("foot", "feet"),
    ("goose", "geese"),
    ("woman", "women"),
    ("knife", "knives"),
    ("leaf", "leaves"),
    ("box", "boxes"),
    ("city", "cities"),
    ("cactus", "cacti"),
    ("sheep", "sheep"),
    ("fish", "fish"),
    ("person", "people"),
    ("potato", "potatoes"),
    ("wolf", "wolves"),
    ("ox", "oxen"),
    ("crisis", "crises"),
    ("bus", "buses"),
    ("baby", "babies"),
]

IRREGULAR_VERBS = [
    ("go", "went"),
    ("see", "saw"),
    ("take", "took"),
    ("write", "wrote"),
    ("bring", "brought"),
    ("think", "thought"),
    ("catch", "caught"),
    ("swim", "swam"),
    ("fly", "flew"),
    ("begin", "began"),
    ("choose", "chose"),
    ("drink", "drank"),
    ("drive", "drove"),
    ("feel", "felt"),
    ("keep", "kept"),
    ("sell", "sold"),
    ("teach", "taught"),
    ("wear", "wore"),
    ("speak", "spoke"),
    ("freeze", "froze"),
]


def vocabulary_examples() -> list[Example]:
    """Antonyms, synonyms, irregular plurals and irregular past tenses."""
    task = "vocabulary"
    examples = [
        Example(
            task,
            f'What is the opposite of "{word}"?',
            "",
            f'The opposite of "{word}" is "{other}".',
        )
        for word, other in ANTONYMS
    ]
    examples += [
        Example(
            task,
            f'Give a synonym for "{word}".',
            "",
            f'A synonym for "{word}" is "{other}".',
        )
        for word, other in SYNONYMS
    ]
    examples += [
        Example(
            task,
            f'What is the plural of "{word}"?',
            "",
            f'The plural of "{word}" is "{plural}".',
        )
        for word, plural in PLURALS
    ]
    examples += [
        Example(
            task,
            f'What is the past tense of the verb "{verb}"?',
            "",
            f'The past tense of "{verb}" is "{past}".',
        )
        for verb, past in IRREGULAR_VERBS
    ]
    return examples


# --------------------------------------------------------------------------------------
# Creative writing (hand-written)
# --------------------------------------------------------------------------------------

# Each haiku has lines of five, seven and five syllables.
HAIKUS = [
    (
        "the ocean",
        "Waves fold into foam\nthe tide pulls the sand away\ngulls cry in the dusk",
    ),
    (
        "autumn",
        "Red leaves drift and fall\nthe cold wind hums through bare trees\nsmoke curls from chimneys",
    ),
    (
        "morning coffee",
        "Steam lifts from my cup\nthe quiet kitchen wakes slow\nfirst light on the spoon",
    ),
    (
        "winter snow",
        "Snow hushes the street\nfootprints fill up one by one\nthe lamps glow softly",
    ),
    (
        "spring rain",
        "Soft rain on the roof\ngreen shoots push up through the soil\nthe world smells brand new",
    ),
    (
        "mountains",
        "Stone peaks touch the clouds\nan eagle circles the ridge\nsilence fills the pass",
    ),
    (
        "a city at night",
        "Neon signs flicker\ntaxis stream through the wet streets\na train hums below",
    ),
    (
        "a sleeping cat",
        "The cat stretches long\na patch of sun on the floor\nshe sleeps without care",
    ),
    (
        "the moon",
        "Pale moon on the lake\nripples break its face in two\nthen slowly mend it",
    ),
    (
        "friendship",
        "Two cups on the porch\nwe laugh at the same old jokes\nyears pass like spring wind",
    ),
    (
        "a vegetable garden",
        "Bees hum in the beans\ntomatoes blush on the vine\nthe hose drips and shines",
    ),
    (
        "summer at the beach",
        "Hot sand, bright blue sky\nchildren chase waves down the shore\nice cream melts too fast",
    ),
    (
        "a foggy forest",
        "Tall pines hold the mist\na fox steps over the moss\nthe old woods breathe slow",
    ),
    (
        "the first day of school",
        "New shoes, a new bag\na small hand lets go of mine\nthe bell rings, she waves",
    ),
    (
        "a thunderstorm",
        "Dark clouds roll in fast\nthunder shakes the window glass\nthen the rain lets go",
    ),
]

RHYMES = [
    (
        "a lazy Sunday",
        "The clock moves slow, the tea is warm,\na lazy Sunday, safe from storm.",
    ),
    (
        "a rainy day",
        "The rain taps softly on the pane,\nI read my book and watch the lane.",
    ),
    (
        "a playful dog",
        "My dog runs fast across the park\nand greets each bird with one loud bark.",
    ),
    (
        "the stars",
        "A thousand stars light up the night\nlike tiny lanterns, silver-white.",
    ),
    ("pizza", "A slice of pizza, hot and round,\nthe best of dinners to be found."),
    (
        "the sea",
        "The sea rolls in with silver foam\nand sings the sailors safely home.",
    ),
    ("a birthday", "Another year, another cake,\nand one more wish for you to make."),
    (
        "a snowman",
        "We built a snowman, tall and white,\nwho melted slowly in the light.",
    ),
    (
        "riding a bicycle",
        "Two wheels, a bell, a sunny day,\nI ride my bike and race away.",
    ),
    (
        "a favorite teacher",
        "You taught me how to read and write\nand made the hardest lessons light.",
    ),
    ("coffee", "A cup of coffee, dark and strong,\nit keeps me going all day long."),
    (
        "a summer garden",
        "The roses bloom, the bees are near,\nthe garden sings that summer's here.",
    ),
]

SLOGANS = [
    ("a bicycle shop", "Ride further, ride happier."),
    ("a bakery", "Fresh from our oven to your table."),
    ("a public library", "Borrow a book, open a world."),
    ("a fitness app", "Small steps, every day."),
    ("a car wash", "Drive in dirty, drive out proud."),
    ("an organic farm", "Grown with care, picked with love."),
    ("a tutoring service", "Helping every student find the answer."),
    ("a plant nursery", "Bring a little green home."),
    ("a recycling program", "Recycle today for a cleaner tomorrow."),
    ("a pet grooming salon", "Happy pets, fresh coats."),
    ("a language school", "Speak to the world."),
    ("an ice cream shop", "Every scoop is a little holiday."),
]

STORY_OPENINGS = [
    (
        "a lost key",
        (
            "The key had been in Mara's pocket all morning, so when it vanished during "
            "the ferry ride, she knew someone on board had taken it."
        ),
    ),
    (
        "a dragon who is afraid of fire",
        (
            "Ember was the only dragon in the valley who flinched whenever she sneezed, "
            "because every sneeze set something on fire."
        ),
    ),
    (
        "a time traveler",
        (
            "When Jonah stepped out of the machine, he saw that the newspaper on the "
            "bench was dated fifty years before he was born."
        ),
    ),
    (
        "a lighthouse keeper",
        (
            "For twenty years the lighthouse keeper had guided every ship safely past "
            "the rocks, until the night a ship arrived with no crew at all."
        ),
    ),
    (
        "a talking cat",
        (
            "The morning my cat asked for coffee, I decided to stop ignoring the strange "
            "things happening in our apartment."
        ),
    ),
    (
        "a girl who finds a map",
        (
            "Tucked inside a library book, Lena found a hand-drawn map with a red X over "
            "her own backyard."
        ),
    ),
    (
        "a robot learning to cook",
        (
            "Unit 7 had read ten thousand recipes, but nothing had prepared it for the "
            "smell of burnt toast."
        ),
    ),
    (
        "a village without music",
        (
            "In the village of Quill, singing had been forbidden for a hundred years, so "
            "everyone froze when the old well began to hum."
        ),
    ),
    (
        "a detective on vacation",
        (
            "Inspector Rao had promised his wife a week without mysteries, but on the "
            "first morning a guest was missing from the hotel breakfast."
        ),
    ),
    (
        "the last tree in a city",
        (
            "The last tree in the city stood in a parking lot, and every morning Theo "
            "watered it before anyone else woke up."
        ),
    ),
    (
        "a message in a bottle",
        (
            "The bottle washed up on a Tuesday, and the note inside was written in my "
            "grandmother's handwriting."
        ),
    ),
]

PRODUCT_DESCRIPTIONS = [
    (
        "a reusable water bottle",
        (
            "This stainless steel bottle keeps drinks cold for 24 hours and hot for 12. "
            "It is leak-proof, dishwasher safe and fits most cup holders."
        ),
    ),
    (
        "a wool scarf",
        (
            "Knitted from soft merino wool, this scarf keeps you warm without itching. "
            "Its classic gray color goes with any winter coat."
        ),
    ),
    (
        "noise-canceling headphones",
        (
            "These wireless headphones block out background noise so you can focus on "
            "your music. A single charge lasts up to 30 hours."
        ),
    ),
    (
        "a desk lamp",
        (
            "This slim LED desk lamp has three brightness levels and a flexible neck. It "
            "gives clear, even light for reading and work."
        ),
    ),
    (
        "a picnic basket",
        (
            "This wicker basket holds plates, cups and cutlery for four people. An "
            "insulated compartment keeps food and drinks cool."
        ),
    ),
    (
        "a children's raincoat",
        (
            "This bright yellow raincoat keeps kids dry on the wettest days. Reflective "
            "stripes help drivers see them in the dark."
        ),
    ),
    (
        "a yoga mat",
        (
            "This non-slip yoga mat offers a firm grip and soft cushioning. It rolls up "
            "easily and comes with a carrying strap."
        ),
    ),
    (
        "a herb garden kit",
        (
            "Grow fresh basil, parsley and mint on your windowsill with this starter "
            "kit. It includes pots, soil and seeds."
        ),
    ),
    (
        "a hiking backpack",
        (
            "This lightweight 30-liter backpack has padded straps and a breathable back "
            "panel. Side pockets keep water bottles within easy reach."
        ),
    ),
    (
        "a board game",
        (
            "Race across the map, trade resources and build your own city in this game "
            "for two to five players. Each game takes about forty minutes."
        ),
    ),
]


def creative_writing_examples() -> list[Example]:
    """Haiku, two-line rhymes, slogans, story openings and product descriptions."""
    task = "creative_writing"
    examples = [
        Example(task, f"Write a haiku about {t}.", "", text) for t, text in HAIKUS
    ]
    examples += [
        Example(task, f"Write a two-line rhyming poem about {t}.", "", text)
        for t, text in RHYMES
    ]
    examples += [
        Example(task, f"Write a short slogan for {t}.", "", text) for t, text in SLOGANS
    ]
    examples += [
        Example(task, f"Write the first sentence of a story about {t}.", "", text)
        for t, text in STORY_OPENINGS
    ]
    examples += [
        Example(task, f"Write a two-sentence product description for {t}.", "", text)
        for t, text in PRODUCT_DESCRIPTIONS
    ]
    return examples


# --------------------------------------------------------------------------------------
# Assembly, split assignment and output
# --------------------------------------------------------------------------------------

# Rows drawn from the computed templates. The hand-written tasks contribute all of
# their rows, and the arithmetic count makes the total match SPLIT_SIZES.
UNIT_CONVERSION_COUNT = 70
EXTRACTION_COUNT = 80
SORTING_COUNT = 70
GROUPING_COUNT = 40


def build_examples(seed: int = SEED) -> list[Example]:
    """Build every example, grouped by task type, in a fixed order."""
    examples = (
        code_examples()
        + factual_examples()
        + open_question_examples()
        + comparison_examples()
        + classification_examples(
            random.Random(f"{seed}-classification"), GROUPING_COUNT
        )
        + rewriting_examples()
        + summarizing_examples()
        + brainstorming_examples()
        + advice_examples()
        + creative_writing_examples()
        + vocabulary_examples()
        + unit_conversion_examples(
            random.Random(f"{seed}-units"), UNIT_CONVERSION_COUNT
        )
        + extraction_examples(random.Random(f"{seed}-extraction"), EXTRACTION_COUNT)
        + sorting_examples(random.Random(f"{seed}-sorting"), SORTING_COUNT)
    )
    arithmetic_count = sum(SPLIT_SIZES.values()) - len(examples)
    if arithmetic_count < 100:
        raise ValueError(
            f"only {arithmetic_count} arithmetic rows fit into the split sizes, but "
            "at least 100 are needed. Raise SPLIT_SIZES or lower the counts of the "
            "computed tasks."
        )
    examples += arithmetic_examples(
        random.Random(f"{seed}-arithmetic"), arithmetic_count
    )

    prompts: dict[tuple[str, str], str] = {}
    for example in examples:
        key = (example.instruction, example.input)
        if key in prompts:
            raise ValueError(
                f"duplicate prompt in tasks {prompts[key]!r} and {example.task!r}: "
                f"{example.instruction!r}"
            )
        prompts[key] = example.task
    return examples


def assign_splits(
    examples: list[Example], seed: int = SEED
) -> dict[str, list[Example]]:
    """Assign examples to splits so that every task type is spread over all splits.

    The examples are shuffled within each task type and then labelled with a
    repeating block of split names in the ratio of ``SPLIT_SIZES``. Any run of
    consecutive examples as long as the block meets every split, so a task type
    with at least that many rows appears in all of them.
    """
    rng = random.Random(f"{seed}-splits")
    total = sum(SPLIT_SIZES.values())
    if len(examples) != total:
        raise ValueError(f"expected {total} examples, got {len(examples)}")
    divisor = math.gcd(*SPLIT_SIZES.values())
    block = [name for name, size in SPLIT_SIZES.items() for _ in range(size // divisor)]
    rng.shuffle(block)

    by_task: dict[str, list[Example]] = {}
    for example in examples:
        by_task.setdefault(example.task, []).append(example)
    ordered = []
    for task_examples in by_task.values():
        task_examples = list(task_examples)
        rng.shuffle(task_examples)
        ordered += task_examples

    splits: dict[str, list[Example]] = {name: [] for name in SPLIT_SIZES}
    for i, example in enumerate(ordered):
        splits[block[i % len(block)]].append(example)
    for rows in splits.values():
        rng.shuffle(rows)
    return splits


def write_splits(splits: dict[str, list[Example]], out_dir: Path) -> None:
    """Write ``{split}.jsonl`` files with one UTF-8 JSON object per line."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, examples in splits.items():
        lines = [json.dumps(e.row(), ensure_ascii=False) + "\n" for e in examples]
        path = out_dir / f"{name}.jsonl"
        path.write_text("".join(lines), encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        help=f"directory for the split files (default: {DEFAULT_OUT_DIR})",
    )
    args = parser.parse_args(argv)
    splits = assign_splits(build_examples())
    write_splits(splits, args.out)
    for name, examples in splits.items():
        print(f"{name}: {len(examples)} rows -> {args.out / (name + '.jsonl')}")


if __name__ == "__main__":
    main()
