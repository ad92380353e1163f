"""A CLIP-style BPE tokenizer.json (Hugging Face tokenizers format) for packs made from random weights.

Real packs ship CLIP's own tokenizer.json. No tokenizer can be downloaded here, so random packs get one in the
same format whose merges are learned from a small built-in word list. `encode` is a Python implementation of
the same pipeline, used to write the reference input_ids the TypeScript tokenizer must reproduce."""
import collections
import re
import unicodedata

START, END = "<|startoftext|>", "<|endoftext|>"
CONTEXT_LENGTH = 77

WORDS = """a an the of and with in on at to for from by as is are this that photo picture painting drawing
sketch portrait face faces person man woman boy girl child baby old young smiling smile happy sad angry
surprised neutral hair blond blonde brown black white red blue green yellow gray grey golden silver pink
purple orange dark light long short curly straight bald beard mustache glasses sunglasses hat makeup lipstick
eyes eye nose mouth teeth ears skin wrinkles freckles tan pale dog dogs cat cats animal animals horse lion
tiger bear wolf fox zombie vampire elf ghost robot alien monster statue doll puppet clown king queen prince
princess knight soldier pirate wizard witch superhero joker character cartoon anime pixar disney comic
manga watercolor oil pencil charcoal ink pop art impressionism cubism renaissance baroque modern digital
render rendering 3d style styled stylized realistic photorealistic abstract mosaic stained glass marble
bronze gold wooden stone clay plastic metal fire water ice snow night day sunset autumn winter summer
spring forest city street beach mountain sky cloud clouds nicolas cage van gogh picasso monet rembrandt
frida kahlo mona lisa tolkien werewolf orc dwarf goblin fairy angel devil demon skull mask tattoo
tattooed painted colorful vivid bright soft sharp blurry vintage retro sepia noir neon cyberpunk steampunk
gothic fantasy science fiction movie film poster illustration caricature sculpture ukiyo woodcut engraving
graffiti chalk crayon pastel fresco icon emoji sticker lego minecraft pixel simpsons shrek hulk thanos
elsa moana""".split()


def bytes_to_unicode():
    """GPT-2/CLIP's reversible byte -> printable unicode map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_MAP = bytes_to_unicode()
# ASCII approximation of CLIP's split regex (Python's re has no \p{L}); enough for the reference texts
SPLIT = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+")


def normalize(text):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).lower()


def word_symbols(word):
    chars = [BYTE_MAP[b] for b in word.encode("utf-8")]
    return chars[:-1] + [chars[-1] + "</w>"]


def learn_merges(words, count):
    freq = collections.Counter(words)
    corpus = {tuple(word_symbols(w)): n for w, n in freq.items()}
    merges = []
    while len(merges) < count:
        pairs = collections.Counter()
        for symbols, n in corpus.items():
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] += n
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]  # deterministic tie-break
        merges.append(best)
        merged = {}
        for symbols, n in corpus.items():
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == best:
                    out.append(symbols[i] + symbols[i + 1])
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            merged[tuple(out)] = n
        corpus = merged
    return merges


class ClipBpe:
    def __init__(self, merges, vocab=None):
        self.merges = merges
        self.ranks = {pair: i for i, pair in enumerate(merges)}
        if vocab is not None:  # a real tokenizer.json (e.g. CLIP's own)
            self.vocab = dict(vocab)
            return
        base = list(BYTE_MAP.values())
        self.vocab = {}
        # two merges can spell the same token ("ab"+"c", "a"+"bc"): it gets one id
        for tok in base + [v + "</w>" for v in base] + ["".join(m) for m in merges] + [START, END]:
            self.vocab.setdefault(tok, len(self.vocab))

    @classmethod
    def from_json(cls, data):
        model = data["model"]
        merges = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]
        return cls(merges, model["vocab"])

    @property
    def size(self):
        return len(self.vocab)

    def bpe(self, word):
        symbols = word_symbols(word)
        while len(symbols) > 1:
            ranked = [(self.ranks.get(p, 1 << 30), i) for i, p in enumerate(zip(symbols, symbols[1:]))]
            rank, i = min(ranked)
            if rank == 1 << 30:
                break
            symbols = symbols[:i] + [symbols[i] + symbols[i + 1]] + symbols[i + 2:]
        return symbols

    def encode(self, text, context_length=CONTEXT_LENGTH):
        ids = [self.vocab[START]]
        for word in SPLIT.findall(normalize(text)):
            ids += [self.vocab[s] for s in self.bpe(word)]
        ids = ids[: context_length - 1] + [self.vocab[END]]
        return ids + [0] * (context_length - len(ids))

    def to_json(self):
        special = [{"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                    "normalized": True, "special": True} for t in (START, END)]
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": special,
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "NFC"},
                {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
                {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
                 "behavior": "Removed", "invert": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
            "post_processor": {"type": "RobertaProcessing", "sep": [END, self.vocab[END]],
                               "cls": [START, self.vocab[START]], "trim_offsets": False, "add_prefix_space": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": END, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.vocab, "merges": [f"{a} {b}" for a, b in self.merges]},
        }


def build_tokenizer(merge_count=300):
    return ClipBpe(learn_merges(WORDS, merge_count))
