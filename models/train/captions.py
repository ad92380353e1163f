"""The caption grammar of the world, its vocabulary and the tokenizer learned on it.

A caption names a style and, optionally, a few of the face's attributes: "a pencil sketch of a smiling face with
red hair", "a photo of a zombie with glasses", "at night". The words here are all the trained CLIP knows."""
import random

from models.export.tokenizer import ClipBpe, learn_merges

from .world import A, HAIR_NAMES, STYLES, hair_index

# how each style is said; the first phrase is the canonical one (used for domains and in the evaluation)
STYLE_PHRASES = {
    "photo": ["a photo", "a picture"],
    "pencil sketch": ["a pencil sketch", "a sketch", "a pencil drawing"],
    "night": ["a photo at night", "a dark photo at night", "a picture at night"],
    "zombie": ["a zombie", "a photo of a zombie", "a green zombie"],
    "marble statue": ["a marble statue", "a statue", "a stone statue"],
    "pixel art": ["pixel art", "a pixel art picture", "a pixelated picture"],
    "pop art": ["pop art", "a pop art painting", "a comic pop art picture"],
    "watercolor": ["a watercolor painting", "a watercolor", "a soft watercolor picture"],
    "sepia": ["a sepia photo", "an old sepia photo", "a brown sepia picture"],
    "neon": ["neon art", "a neon drawing", "a glowing neon picture"],
}
# the short forms users type ("→ at night", "→ a zombie") stand for the whole style
SHORT_FORMS = {"night": ["at night", "night"], "zombie": ["zombie"], "marble statue": ["marble"],
               "pencil sketch": ["pencil sketch"], "watercolor": ["watercolor"], "sepia": ["sepia"],
               "neon": ["neon"], "pixel art": ["pixel art"], "pop art": ["pop art"], "photo": ["a face"]}
SUBJECTS = ["a face", "a person"]
MOODS = ["smiling", "frowning"]  # the attribute words said before the subject ("a smiling face"); the rest follow "with"
EXTRA_WORDS = "of with and hair glasses smiling frowning long short big eyes dark pale skin on background".split()


def canonical(style):
    return STYLE_PHRASES[style][0]


def describe_face(attributes, rng, max_parts=3, subject=None):
    """A face phrase naming up to max_parts attributes of one face (a row of attributes, floats in [0, 1])."""
    a = attributes
    parts = []
    smile = float(a[A["smile"]])
    mood = f"{MOODS[0]} " if smile > 0.7 and rng.random() < 0.7 else (f"{MOODS[1]} " if smile < 0.15 and rng.random() < 0.5 else "")
    hair = HAIR_NAMES[int(hair_index(a[None])[0])]
    length = float(a[A["hair_long"]])
    options = [f"{'long ' if length > 0.6 else ('short ' if length < 0.3 else '')}{hair} hair"]
    if a[A["glasses"]] > 0.5:
        options.append("glasses")
    if a[A["eye_size"]] > 0.75:
        options.append("big eyes")
    skin = float(a[A["skin"]])
    if skin > 0.8 or skin < 0.2:
        options.append("dark skin" if skin > 0.8 else "pale skin")
    rng.shuffle(options)
    parts = options[: rng.randint(0, max_parts)]
    subject = subject or rng.choice(SUBJECTS)
    if mood:
        subject = subject.replace("a ", f"a {mood}", 1)
    if not parts:
        return subject
    return subject + " with " + " and ".join(parts)


def frame(style, phrase):
    """A style phrase around a face phrase `{}`: "a pencil sketch of {}", "a photo of {} at night"."""
    if style == "night":
        return phrase.replace(" at night", "") + " of {} at night"
    return phrase + " of {}"


def caption(style, attributes, rng):
    """One caption for a face in a style."""
    if rng.random() < 0.25:
        return rng.choice(SHORT_FORMS[style] + STYLE_PHRASES[style][:1])
    phrase = rng.choice(STYLE_PHRASES[style])
    face = describe_face(attributes, rng)
    if style == "zombie":  # the zombie is the subject: "a photo of a smiling zombie with glasses"
        face = describe_face(attributes, rng, subject=rng.choice(["a zombie", "a green zombie"]))
        return rng.choice(["a photo of ", "a picture of ", ""]) + face
    return frame(style, phrase).replace("{}", face)


def styleclip_text():
    """pack.json `styleclip.text`: StyleCLIP edit texts said as the captions say them. A short edit text becomes a face
    phrase ("smiling" -> "a smiling face", "glasses" -> "a face with glasses") put into every style phrase's frame but
    the zombie's (its captions make the zombie the subject), so that the average over the styles keeps an edit
    style-neutral; the neutral is the bare face."""
    templates = [frame(style, phrase) for style in STYLES if style != "zombie" for phrase in STYLE_PHRASES[style]]
    return {"templates": templates, "neutral": SUBJECTS[0], "phrase": {"subjects": SUBJECTS, "before": MOODS}}


def vocabulary():
    words = set(EXTRA_WORDS)
    for phrases in list(STYLE_PHRASES.values()) + list(SHORT_FORMS.values()) + [SUBJECTS]:
        for p in phrases:
            words.update(p.split())
    words.update(HAIR_NAMES)
    words.update(["frowning", "smiling", "person", "face"])
    return sorted(words)


def build_tokenizer():
    """BPE whose merges spell every word of the vocabulary as one token (merging stops when nothing is left)."""
    words = vocabulary()
    return ClipBpe(learn_merges(words * 3, 10_000))


def check_styles():
    assert set(STYLE_PHRASES) == set(STYLES) == set(SHORT_FORMS)


check_styles()
if __name__ == "__main__":
    import torch

    from .world import sample_attributes

    rng = random.Random(0)
    a = sample_attributes(8, torch.Generator().manual_seed(0))
    for s in STYLES:
        print(caption(s, a[0], rng), "|", caption(s, a[1], rng))
    print(len(vocabulary()), "words;", build_tokenizer().size, "tokens")
