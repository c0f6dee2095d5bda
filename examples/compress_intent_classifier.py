"""Compress an intent classifier and check that the small copy is a drop-in.

The example fits ``DictVectorizer`` (word unigrams and bigrams) +
``LogisticRegression`` on an intent dataset, compresses the pipeline with
:func:`sklearn_compress.compress`, saves both with ``joblib.dump``, loads the
compressed file in a fresh Python process, checks that its predictions equal
the in-process ones, and prints sizes, accuracy, agreement and load times.

By default it generates a deterministic synthetic assistant dataset (24
intents, slot values drawn from thousands of generated artists, cities,
contacts, dishes, ...), whose vocabulary has a few hundred thousand features.
``--data DIR`` uses a dataset stored as ``DIR/train.jsonl[.gz]`` and
``DIR/test.jsonl`` with the fields ``text`` and ``intent``::

    python examples/compress_intent_classifier.py
    python examples/compress_intent_classifier.py --data ../shared/data/clinc150
    python examples/compress_intent_classifier.py --n-samples 3000 --bits 6

Load times and load memory are measured in fresh processes that import every
module before the timer starts, so they show what loading the file costs, not
importing scikit-learn. A loaded joblib file runs pickle: load only files you
trust.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_compress import compress
from sklearn_compress.compose._report import format_table
from sklearn_compress.datasets import load_intent_dataset, word_ngram_features

SEED = 0
DEFAULT_N_SAMPLES = 100_000
TEST_FRACTION = 0.2
# Share of samples whose intent is replaced by a random one, as annotation
# errors do in real data; it keeps the accuracy realistic.
LABEL_NOISE = 0.03
# lbfgs reaches its best test accuracy on these datasets well before its
# tolerance; more iterations only cost time on a small machine.
DEFAULT_MAX_ITER = 30
LOAD_REPEATS = 3

# -- a synthetic assistant dataset ------------------------------------------------------


def _words(text):
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


def _invented_words(rng, n, max_syllables=4):
    """``n`` distinct made-up words of 2 to ``max_syllables`` syllables (names, places)."""
    words = set()
    while len(words) < n:
        # Draw in bulk, since a per-word rng call is slow; repeats are dropped.
        lengths = rng.integers(2, max_syllables + 1, size=n)
        picks = rng.integers(len(SYLLABLES), size=(n, max_syllables))
        words.update("".join(SYLLABLES[i] for i in row[:length])
                     for row, length in zip(picks.tolist(), lengths.tolist(), strict=True))
    # Sorted first: the iteration order of a set of str changes between runs.
    words = sorted(words)
    return [words[i] for i in sorted(rng.choice(len(words), size=n, replace=False))]


def _combinations(rng, n, *parts, pattern="{} {}"):
    """Up to ``n`` distinct values ``pattern.format(...)``, each part drawn from its list."""
    picks = [[part[i] for i in rng.integers(len(part), size=n).tolist()] for part in parts]
    return sorted({pattern.format(*values) for values in zip(*picks, strict=True)})


def make_slot_values(rng, scale):
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


def _fill(template, slot_values, rng):
    """The template with each ``{slot}`` replaced by a random value of that slot."""
    pieces = template.split("{")
    filled = [pieces[0]]
    for piece in pieces[1:]:
        slot, rest = piece.split("}", 1)
        values = slot_values[slot]
        filled.append(values[rng.integers(len(values))] + rest)
    return "".join(filled)


def synthetic_intent_dataset(n_samples=DEFAULT_N_SAMPLES, seed=SEED):
    """A deterministic synthetic assistant dataset, split into train and test.

    Returns
    -------
    train_texts, train_intents, test_texts, test_intents : lists of str
    """
    rng = np.random.default_rng(seed)
    # Slot lists grow with the dataset so that the vocabulary keeps growing too.
    slot_values = make_slot_values(rng, scale=max(n_samples / DEFAULT_N_SAMPLES, 0.05))
    intents = sorted(INTENT_TEMPLATES)
    texts, labels = [], []
    for label in rng.integers(len(intents), size=n_samples):
        templates = INTENT_TEMPLATES[intents[label]]
        body = _fill(templates[rng.integers(len(templates))], slot_values, rng)
        prefix = POLITE_PREFIXES[rng.integers(len(POLITE_PREFIXES))]
        suffix = POLITE_SUFFIXES[rng.integers(len(POLITE_SUFFIXES))]
        texts.append(prefix + body + suffix)
        noisy = rng.random() < LABEL_NOISE
        labels.append(intents[rng.integers(len(intents))] if noisy else intents[label])
    n_test = int(n_samples * TEST_FRACTION)
    return texts[n_test:], labels[n_test:], texts[:n_test], labels[:n_test]


# -- data and model -----------------------------------------------------------------------


@dataclass
class IntentData:
    name: str
    train_texts: list
    train_intents: list
    test_texts: list
    test_intents: list


def synthetic_data(n_samples=DEFAULT_N_SAMPLES):
    return IntentData(f"synthetic ({n_samples:,} samples)", *synthetic_intent_dataset(n_samples))


def directory_data(directory):
    directory = Path(directory)
    return IntentData(directory.name, *load_intent_dataset(directory, "train"),
                      *load_intent_dataset(directory, "test"))


def featurize(texts):
    return [word_ngram_features(text) for text in texts]


def fit_on_texts(pipeline, texts, intents):
    """Fit a pipeline that takes feature dicts on texts, with max_iter capped on purpose."""
    with warnings.catch_warnings():
        # See DEFAULT_MAX_ITER: stopping early is a choice, not a problem to report.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return pipeline.fit(featurize(texts), intents)


def fit_intent_pipeline(texts, intents, max_iter=DEFAULT_MAX_ITER):
    """DictVectorizer over word unigrams and bigrams + LogisticRegression."""
    pipeline = make_pipeline(DictVectorizer(), LogisticRegression(max_iter=max_iter))
    return fit_on_texts(pipeline, texts, intents)


# -- loading in a fresh process -------------------------------------------------------------

# Run by ``python -c`` with the arguments: model file, modules to import, and
# optionally a JSON file of texts to predict. It prints one JSON object.
_LOAD_PROBE = """
import importlib, json, sys, time, tracemalloc
path, modules, texts_path = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
for module in modules:
    importlib.import_module(module)
import joblib

start = time.perf_counter()
model = joblib.load(path)
result = {"seconds": time.perf_counter() - start}
if texts_path:
    del model
    tracemalloc.start()
    model = joblib.load(path)
    result["loaded_bytes"] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    from sklearn_compress.datasets import word_ngram_features
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    result["predictions"] = model.predict([word_ngram_features(t) for t in texts]).tolist()
print(json.dumps(result))
"""

BASE_MODULES = ("numpy", "scipy.sparse", "sklearn.pipeline", "sklearn.feature_extraction",
                "sklearn.linear_model", "sklearn.preprocessing", "sklearn_compress")


def modules_of(model):
    """Modules defining the model's steps, to import before timing a load."""
    steps = [step for _, step in getattr(model, "steps", [("model", model)])]
    return sorted({*BASE_MODULES, *(type(step).__module__ for step in steps)})


def _run_probe(path, modules, texts_path=""):
    completed = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, str(path), ",".join(modules), str(texts_path)],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"loading {path} in a fresh process failed:\n{completed.stderr}")
    return json.loads(completed.stdout)


@dataclass
class FreshLoad:
    seconds: float  # median joblib.load time over fresh processes
    loaded_bytes: int  # bytes tracemalloc sees allocated by joblib.load
    predictions: np.ndarray  # predictions of the loaded model on the given texts


def load_in_fresh_processes(path, modules, texts, repeats=LOAD_REPEATS):
    """Load a joblib file in ``repeats`` fresh processes; the first one also predicts."""
    with tempfile.TemporaryDirectory() as scratch:
        texts_path = Path(scratch) / "texts.json"
        texts_path.write_text(json.dumps(list(texts)), encoding="utf-8")
        first = _run_probe(path, modules, texts_path)
    seconds = [first["seconds"]] + [_run_probe(path, modules)["seconds"]
                                    for _ in range(repeats - 1)]
    return FreshLoad(statistics.median(seconds), first["loaded_bytes"],
                     np.asarray(first["predictions"]))


# -- the report ----------------------------------------------------------------------------


def _seconds_since(start):
    return f"{time.perf_counter() - start:.0f} s"


def _ratio(before, after):
    return f"{before / max(after, 1e-12):.1f}x smaller"


def report_lines(data, sizes, loads, accuracies, agreement, repeats):
    original, compressed = loads
    rows = [
        ("", "original", "compressed", "change"),
        ("joblib file bytes", f"{sizes[0]:,}", f"{sizes[1]:,}", _ratio(*sizes)),
        ("in-memory bytes after load", f"{original.loaded_bytes:,}",
         f"{compressed.loaded_bytes:,}", _ratio(original.loaded_bytes, compressed.loaded_bytes)),
        (f"load time (median of {repeats})", f"{1000 * original.seconds:.1f} ms",
         f"{1000 * compressed.seconds:.1f} ms",
         f"{original.seconds / compressed.seconds:.1f}x faster"),
        (f"accuracy on {len(data.test_texts):,} test texts", f"{100 * accuracies[0]:.2f}%",
         f"{100 * accuracies[1]:.2f}%", f"{100 * (accuracies[1] - accuracies[0]):+.2f} points"),
        ("prediction agreement", "", f"{100 * agreement:.2f}%", ""),
    ]
    return format_table(rows)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path,
                        help="dataset folder with train.jsonl[.gz] and test.jsonl "
                             "(default: the built-in synthetic dataset)")
    parser.add_argument("--n-samples", type=int, default=DEFAULT_N_SAMPLES,
                        help=f"synthetic dataset size (default {DEFAULT_N_SAMPLES:,})")
    parser.add_argument("--bits", type=int, default=8, help="bits per weight, 2..8 (default 8)")
    parser.add_argument("--fingerprint-bits", type=int, default=8,
                        help="fingerprint bits per feature, 0..32 (default 8)")
    parser.add_argument("--max-iter", type=int, default=DEFAULT_MAX_ITER,
                        help=f"LogisticRegression max_iter (default {DEFAULT_MAX_ITER})")
    parser.add_argument("--repeats", type=int, default=LOAD_REPEATS,
                        help=f"fresh-process loads per file (default {LOAD_REPEATS})")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    data = directory_data(args.data) if args.data else synthetic_data(args.n_samples)
    print(f"dataset: {data.name}: {len(data.train_texts):,} train / "
          f"{len(data.test_texts):,} test texts, {len(set(data.train_intents))} intents")

    original = fit_intent_pipeline(data.train_texts, data.train_intents, args.max_iter)
    n_features = len(original[0].feature_names_)
    print(f"fitted DictVectorizer + LogisticRegression(max_iter={args.max_iter}): "
          f"{n_features:,} features ({_seconds_since(started)})")
    compressed = compress(original, bits=args.bits, fingerprint_bits=args.fingerprint_bits)
    print(f"compressed with bits={args.bits}, fingerprint_bits={args.fingerprint_bits} "
          f"({_seconds_since(started)})")

    test_features = featurize(data.test_texts)
    predictions = [np.asarray(model.predict(test_features)) for model in (original, compressed)]
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(folder) / "original.joblib", Path(folder) / "compressed.joblib"]
        for model, path in zip((original, compressed), paths, strict=True):
            joblib.dump(model, path)
        sizes = [path.stat().st_size for path in paths]
        loads = [load_in_fresh_processes(path, modules_of(model), data.test_texts, args.repeats)
                 for model, path in zip((original, compressed), paths, strict=True)]

    if not np.array_equal(loads[1].predictions, predictions[1]):
        print("ERROR: the compressed model loaded in a fresh process predicts differently",
              file=sys.stderr)
        return 1
    print("fresh-process check: the reloaded compressed model predicts the same "
          f"({_seconds_since(started)})")
    truth = np.asarray(data.test_intents)
    accuracies = [float(np.mean(p == truth)) for p in predictions]
    agreement = float(np.mean(predictions[0] == predictions[1]))
    print()
    print("\n".join(report_lines(data, sizes, loads, accuracies, agreement, args.repeats)))
    print(f"\ntotal run time: {_seconds_since(started)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
