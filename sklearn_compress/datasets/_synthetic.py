"""A deterministic synthetic assistant dataset with a vocabulary that grows with its size."""

import numbers
from collections.abc import Sequence

import numpy as np

# The size at which each slot has about 50,000 generated values.
_REFERENCE_SAMPLES = 100_000


def _words(text: str) -> list[str]:
    # Word lists read best as one string; a list literal would span many lines.
    return text.split()


SYLLABLES = _words(
    "ka lo mi ra ven dor tal bri sen qua zu fel mar pin dro ash ber cor lin vi "
    "tho nor gal rin sto wen har mel jo ty bel kir ov an es um ix pe lu da"
)
FIRST_NAMES = _words(
    "anna ben carla david emma felix grace hugo iris jack karen leo maria nina omar paul "
    "quinn rosa sam tara umar vera will xena yusuf zoe alex bianca chris diego elena "
    "farah george hana ivan julia kofi lucia mateo noor oscar priya"
)
ADJECTIVES = _words(
    "red blue golden silent electric wild broken lonely velvet midnight crystal "
    "purple burning frozen hidden lucky neon paper silver sweet"
)
NOUNS = _words(
    "hearts tigers roses dreams rivers shadows wolves lights stones birds echoes "
    "waves kings mirrors engines flowers ghosts horses oceans skies"
)
DISH_STYLES = _words("spicy grilled crispy vegan smoked creamy garlic lemon sweet sour")
DISH_BASES = _words("chicken tofu beef shrimp salmon lamb mushroom pork duck paneer")
DISH_KINDS = _words("noodles curry tacos burger salad soup pizza ramen risotto dumplings")
CUISINES = _words("italian thai mexican indian sushi greek korean french lebanese vietnamese")
PLACE_SUFFIXES = _words("ville ton burg field port haven ford wood dale mouth")
STREET_KINDS = _words("street avenue road lane boulevard drive")
GROCERIES = _words(
    "milk eggs bread butter apples bananas rice pasta coffee tea cheese yogurt "
    "tomatoes onions garlic flour sugar oranges spinach carrots"
)
LANGUAGES = _words("spanish french german italian japanese chinese russian arabic hindi dutch")
CURRENCIES = _words("dollars euros pounds yen rupees francs pesos")
WEEKDAYS = _words("monday tuesday wednesday thursday friday saturday sunday")
MONTHS = _words("january february march april may june july august september october")
GENRES = _words("jazz rock pop classical hip hop country blues reggae metal folk")
EVENTS = _words("meeting dentist appointment lunch call standup interview workout dinner")
TOPICS = _words("news science history comedy business sports technology health")

POLITE_PREFIXES = ("", "", "", "please ", "hey assistant ", "can you ", "could you ",
                   "i want to ", "i'd like to ", "ok google ")
POLITE_SUFFIXES = ("", "", "", " please", " thanks", " right now", " for me", " asap")

# Each intent's phrasings; {slot} names a generated value list. Pairs of
# intents share words on purpose (alarm/reminder/timer, music/playlist,
# navigate/traffic/taxi, ...) so that the task is not trivially separable.
INTENT_TEMPLATES = {
    "play_music": ["play {song} by {artist}", "play some {genre}", "put on {artist}",
                   "i want to hear {song}", "play the album {album} by {artist}",
                   "play {artist} {genre} music"],
    "play_podcast": ["play the {topic} podcast {podcast}", "resume {podcast}",
                     "play the latest episode of {podcast}", "put on a {topic} podcast"],
    "play_radio": ["play {station} radio", "tune in to {station}", "put on {genre} radio",
                   "play the {station} station"],
    "add_to_playlist": ["add {song} to my {playlist} playlist",
                        "put {song} by {artist} on {playlist}",
                        "save this song to {playlist}", "add {artist} to {playlist}"],
    "set_alarm": ["set an alarm for {time}", "wake me up at {time}",
                  "alarm at {time} on {weekday}", "set an alarm {date} at {time}"],
    "cancel_alarm": ["cancel my {time} alarm", "turn off the alarm for {weekday}",
                     "delete all alarms", "remove the alarm at {time}"],
    "set_reminder": ["remind me to call {contact} at {time}",
                     "remind me about the {event} {date}",
                     "set a reminder to buy {grocery} {date}",
                     "remind me at {time} to pick up {grocery}"],
    "set_timer": ["set a timer for {duration}", "start a {duration} timer",
                  "timer {duration} for the {dish}", "count down {duration}"],
    "get_weather": ["what's the weather in {city}", "will it rain in {city} {date}",
                    "weather forecast for {city} on {weekday}", "is it cold in {city}",
                    "what about {city}"],
    "get_time": ["what time is it in {city}", "current time in {city}",
                 "what's the time difference with {city}", "what about {city}"],
    "book_restaurant": ["book a table at {restaurant} for {number} people",
                        "reserve {restaurant} {date} at {time}",
                        "get me a table for {number} at a {cuisine} place in {city}",
                        "book {restaurant} in {city} for {time}"],
    "find_restaurant": ["find a {cuisine} restaurant in {city}",
                        "where can i eat {dish} near {address}",
                        "any good {cuisine} places near me", "is {restaurant} open {date}"],
    "order_food": ["order {dish} from {restaurant}", "i want {number} {dish} delivered",
                   "get me {dish} and {dish} for delivery", "order {cuisine} food to {address}"],
    "send_message": ["send a message to {contact} saying i'm {status}",
                     "text {contact} that i will be there at {time}",
                     "tell {contact} i'm {status}", "message {contact} about the {event}"],
    "call_contact": ["call {contact}", "phone {contact} on speaker",
                     "dial {contact} mobile", "ring {contact} back"],
    "read_messages": ["read my messages", "any new texts from {contact}",
                      "what did {contact} say", "read the last message from {contact}"],
    "navigate": ["navigate to {address}", "directions to {address} in {city}",
                 "take me to {restaurant}", "how do i get to {city}",
                 "drive to {address} avoiding tolls"],
    "get_traffic": ["how's the traffic to {city}", "is there traffic on {street}",
                    "how long to drive to {address}", "traffic report for {city} {date}"],
    "book_taxi": ["book a taxi to {address}", "get me a cab to {city} at {time}",
                  "order an uber to {restaurant}", "i need a ride to {address} {date}"],
    "add_to_shopping_list": ["add {grocery} to my shopping list",
                             "put {grocery} and {grocery} on the list",
                             "we need {number} {grocery}", "add {grocery} to groceries"],
    "create_calendar_event": ["schedule a {event} with {contact} {date} at {time}",
                              "add {event} to my calendar on {weekday}",
                              "create an event {event} in {city} {date}",
                              "put a {event} on {date}"],
    "check_calendar": ["what's on my calendar {date}", "do i have a {event} on {weekday}",
                       "when is my next {event}", "am i free {date} at {time}"],
    "translate": ["how do you say {phrase} in {language}",
                  "translate {phrase} to {language}", "what is {phrase} in {language}",
                  "say {phrase} in {language}"],
    "convert_currency": ["convert {number} {currency} to {currency}",
                         "how much is {number} {currency} in {currency}",
                         "what's the {currency} to {currency} rate",
                         "exchange {number} {currency}"],
}


def _invented_words(rng: np.random.Generator, n: int, max_syllables: int = 4) -> list[str]:
    """``n`` distinct made-up words of 2 to ``max_syllables`` syllables (names, places)."""
    words: set[str] = set()
    while len(words) < n:
        # Draw in bulk, since a per-word rng call is slow; repeats are dropped.
        lengths = rng.integers(2, max_syllables + 1, size=n)
        picks = rng.integers(len(SYLLABLES), size=(n, max_syllables))
        words.update("".join(SYLLABLES[i] for i in row[:length])
                     for row, length in zip(picks.tolist(), lengths.tolist(), strict=True))
    # Sorted first: the iteration order of a set of str changes between runs.
    ordered = sorted(words)
    return [ordered[i] for i in sorted(rng.choice(len(ordered), size=n, replace=False))]


def _combinations(
    rng: np.random.Generator, n: int, *parts: Sequence[str], pattern: str = "{} {}"
) -> list[str]:
    """Up to ``n`` distinct values ``pattern.format(...)``, each part drawn from its list."""
    picks = [[part[i] for i in rng.integers(len(part), size=n).tolist()] for part in parts]
    return sorted({pattern.format(*values) for values in zip(*picks, strict=True)})


def _make_slot_values(rng: np.random.Generator, scale: float) -> dict[str, list[str]]:
    """Generated value lists for every slot, thousands of values each at scale 1."""
    size = max(int(50_000 * scale), 100)
    surnames = _invented_words(rng, 3 * size)
    places = _invented_words(rng, size)
    # Many given names are rare too: half the people have an invented one.
    given_names = [*FIRST_NAMES * (size // len(FIRST_NAMES) // 2), *_invented_words(rng, size // 2)]
    cities = sorted({*places, *_combinations(rng, size, places, PLACE_SUFFIXES, pattern="{}{}")})
    hours, minutes = [str(h) for h in range(1, 13)], ["00", "15", "30", "45", "05", "50"]
    return {
        "artist": _combinations(rng, size, given_names, surnames)
        + _combinations(rng, size // 2, surnames, surnames)
        + _combinations(rng, size // 4, ADJECTIVES, NOUNS, pattern="the {} {}"),
        "song": _combinations(rng, size, ADJECTIVES, NOUNS)
        + _combinations(rng, size // 2, NOUNS, surnames, pattern="{} of {}"),
        "album": _combinations(rng, size // 2, ADJECTIVES, surnames),
        "genre": [*GENRES, *_combinations(rng, size // 20, ADJECTIVES, GENRES)],
        "podcast": _combinations(rng, size // 2, surnames, TOPICS, pattern="the {} {} hour"),
        "station": _combinations(rng, size // 4, places, GENRES, pattern="{} {} fm"),
        "playlist": _combinations(rng, size // 4, ADJECTIVES, GENRES),
        "topic": TOPICS,
        "time": _combinations(rng, size, hours, minutes, ["am", "pm"], pattern="{}:{} {}"),
        "duration": [f"{n} {unit}" for n in range(1, 61) for unit in ("minutes", "seconds")],
        "weekday": WEEKDAYS,
        "date": ["today", "tomorrow", "tonight", *(f"next {day}" for day in WEEKDAYS),
                 *(f"{month} {day}" for month in MONTHS for day in range(1, 29))],
        "city": cities,
        "contact": _combinations(rng, size, given_names, surnames),
        "dish": _combinations(rng, size, DISH_STYLES, DISH_BASES, DISH_KINDS,
                              pattern="{} {} {}"),
        "cuisine": CUISINES,
        "restaurant": _combinations(rng, size, surnames, CUISINES, pattern="{}'s {} kitchen"),
        "address": _combinations(rng, size, [str(n) for n in range(1, 400)], surnames,
                                 STREET_KINDS, pattern="{} {} {}"),
        "street": _combinations(rng, size // 2, surnames, STREET_KINDS),
        "grocery": [*GROCERIES, *_combinations(rng, size // 2, surnames, GROCERIES)],
        "number": [str(n) for n in range(1, 13)],
        "event": [*EVENTS, *_combinations(rng, size // 2, surnames, EVENTS)],
        "status": ["running late", "on my way", "stuck in traffic", "almost there", "sick"],
        "phrase": _combinations(rng, size // 2, ["good", "the", "my", "a", "where is the"],
                                [*NOUNS, *GROCERIES]),
        "language": LANGUAGES,
        "currency": CURRENCIES,
    }


def _fill(template: str, slot_values: dict[str, list[str]], rng: np.random.Generator) -> str:
    """The template with each ``{slot}`` replaced by a random value of that slot."""
    pieces = template.split("{")
    filled = [pieces[0]]
    for piece in pieces[1:]:
        slot, rest = piece.split("}", 1)
        values = slot_values[slot]
        filled.append(values[rng.integers(len(values))] + rest)
    return "".join(filled)



def make_intent_dataset(
    n_samples: int = 100_000, *, test_size: float = 0.2, label_noise: float = 0.03,
    random_state: int = 0,
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Generate a synthetic voice-assistant intent dataset, split into train and test.

    Texts are filled-in templates of 24 intents (``play_music``,
    ``set_alarm``, ``book_taxi``, ...) with polite prefixes and suffixes;
    slot values (artists, songs, cities, contacts, dishes, addresses, ...)
    are drawn from generated lists that grow with ``n_samples``, so the word
    unigram and bigram vocabulary grows too: about 180,000 features at
    100,000 samples and a million at 600,000. Pairs of intents share words
    on purpose (alarm, reminder and timer; music and playlist; navigation,
    traffic and taxi), so the task is not trivially separable. No download
    is needed; the same arguments give the same dataset on every machine.

    Parameters
    ----------
    n_samples : int, default=100_000
        Number of texts, train and test together (at least 10).
    test_size : float, default=0.2
        Share of the texts in the test split (the first ones generated),
        strictly between 0 and 1.
    label_noise : float, default=0.03
        Share of texts whose intent is replaced by a random one, as
        annotation errors do in real data; it keeps the accuracy realistic.
        Between 0 and 1.
    random_state : int, default=0
        Seed of the generator.

    Returns
    -------
    train_texts : list of str
    train_intents : list of str
    test_texts : list of str
    test_intents : list of str

    Raises
    ------
    ValueError
        If a parameter is out of its range.

    See Also
    --------
    load_intent_dataset : Read a real dataset in the same shape.

    Examples
    --------
    >>> from sklearn_compress.datasets import make_intent_dataset
    >>> train_texts, train_intents, test_texts, test_intents = make_intent_dataset(1000)
    >>> len(train_texts), len(test_texts), len(set(train_intents))
    (800, 200, 24)
    >>> make_intent_dataset(1000)[0] == train_texts
    True
    """
    _check_parameters(n_samples, test_size, label_noise, random_state)
    rng = np.random.default_rng(random_state)
    # Slot lists grow with the dataset so that the vocabulary keeps growing too.
    slot_values = _make_slot_values(rng, scale=max(n_samples / _REFERENCE_SAMPLES, 0.05))
    intents = sorted(INTENT_TEMPLATES)
    texts, labels = [], []
    for label in rng.integers(len(intents), size=n_samples):
        templates = INTENT_TEMPLATES[intents[label]]
        body = _fill(templates[rng.integers(len(templates))], slot_values, rng)
        prefix = POLITE_PREFIXES[rng.integers(len(POLITE_PREFIXES))]
        suffix = POLITE_SUFFIXES[rng.integers(len(POLITE_SUFFIXES))]
        texts.append(prefix + body + suffix)
        noisy = rng.random() < label_noise
        labels.append(intents[rng.integers(len(intents))] if noisy else intents[label])
    n_test = int(n_samples * test_size)
    return texts[n_test:], labels[n_test:], texts[:n_test], labels[:n_test]


def _check_parameters(
    n_samples: int, test_size: float, label_noise: float, random_state: int
) -> None:
    if not isinstance(n_samples, numbers.Integral) or isinstance(n_samples, bool) \
            or n_samples < 10:
        raise ValueError(f"n_samples must be an integer >= 10, got {n_samples!r}")
    if not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}")
    if not isinstance(label_noise, numbers.Real) or not 0 <= label_noise <= 1:
        raise ValueError(f"label_noise must be a float in [0, 1], got {label_noise!r}")
    if not isinstance(random_state, numbers.Integral) or isinstance(random_state, bool) \
            or random_state < 0:
        raise ValueError(f"random_state must be a non-negative integer, got {random_state!r}")
