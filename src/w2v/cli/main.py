"""The ``w2v`` command line (also ``python -m w2v``).

Each subcommand is a function ``run_<name>(args) -> int`` registered in ``build_parser``.
Every error prints one line on stderr and exits 1 (a missing or damaged file, an unknown word,
not enough memory, ...); ``w2v --debug COMMAND ...`` shows the traceback instead. argparse
reports bad flags and out-of-range values itself, in one line, with exit status 2.

``w2v train`` accepts the word2vec C tool's single-dash flags (``-train -output -size ...``)
with the C tool's defaults, and the same options in the usual long style (``--input``,
``--output``, ``--vector-size``, ``--sg``, ...).

Why it is longer than 600 lines: it holds the parser and the handler of every subcommand
(``train`` with the C tool's flags and the distributed ones, the four query commands,
``convert``, ``phrases``), side by side so that a flag and what it does are read together;
the demo lives in ``demo.py``.

Examples
--------
>>> build_parser().parse_args(["train", "-train", "in.txt", "-output", "out.bin"]).size
100
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from w2v._version import __version__

if TYPE_CHECKING:  # imported lazily at run time so that `w2v --help` is instant
    from w2v.vectors.keyedvectors import KeyedVectors

#: Vector file formats, chosen by ``--format`` or else by the file name.
FORMATS = ("text", "binary", "native")
_COMPRESSED = (".gz", ".bz2", ".xz")


class CommandError(Exception):
    """A problem to report in one line, without a traceback."""


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1.

    Examples
    --------
    >>> positive_int("3")
    3
    >>> positive_int("-3")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer >= 1, got -3
    """
    return _int_in_range(text, 1, None)


def seed_int(text: str) -> int:
    """An argparse type: a random seed, 0 to 2**64 - 1.

    Examples
    --------
    >>> seed_int("-1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be an integer from 0 to 18446744073709551615, got -1
    """
    return _int_in_range(text, 0, (1 << 64) - 1)


def _int_in_range(text: str, low: int, high: int | None) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < low or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"from {low} to {high}"
        raise argparse.ArgumentTypeError(f"must be an integer {bounds}, got {text}")
    return value


# ------------------------------------------------------------------ formats and files


def detect_format(path: str, explicit: str | None = None) -> str:
    """The format to write a vectors file in: ``explicit`` if given, else from the name.

    ``.bin`` is the C tool's binary format and ``.w2v``, ``.model`` and ``.kv`` w2v's native
    format; anything else (``.txt``, ``.vec``, no extension) the C tool's text format, its
    default. A ``.gz``/``.bz2`` suffix compresses the C formats.

    Examples
    --------
    >>> detect_format("vectors.bin"), detect_format("vectors.txt.gz"), detect_format("model.w2v")
    ('binary', 'text', 'native')
    """
    if explicit:
        return explicit
    stem, extension = os.path.splitext(path.lower())
    if extension in _COMPRESSED:
        extension = os.path.splitext(stem)[1]
    return {".bin": "binary", ".w2v": "native", ".model": "native", ".kv": "native"}.get(extension, "text")


def _sniff_format(path: str) -> str:
    """The format of an existing vectors file: native files are zip archives."""
    with open(path, "rb") as handle:
        if handle.read(4) == b"PK\x03\x04":
            return "native"
    return "binary" if detect_format(path) == "binary" else "text"


def _require_file(path: str) -> str:
    if not os.path.isfile(path):
        raise CommandError(f"{path}: no such file")
    return path


def load_vectors(path: str, fmt: str | None = None) -> KeyedVectors:
    """Load word vectors in any format; a native whole-model file gives its ``wv``."""
    from w2v.vectors.keyedvectors import KeyedVectors

    fmt = fmt or _sniff_format(_require_file(path))
    if fmt == "native":  # a whole model's file holds its word vectors too
        return KeyedVectors.load(path, mmap="r", verify=True)  # it reads every row for a query anyway
    return KeyedVectors.load_word2vec_format(path, binary=fmt == "binary")


def save_vectors(vectors: KeyedVectors, path: str, fmt: str | None = None, dtype: str | None = None) -> str:
    """Save word vectors in the format ``fmt`` or the one the file name says; returns it.

    ``dtype`` (native format only) stores the vectors in that type, e.g. ``float16``.
    """
    fmt = detect_format(path, fmt)
    if fmt == "native":
        vectors.save(path, dtype=dtype)
    elif dtype is not None:
        raise CommandError(f"--dtype is for w2v's native format (.kv, .w2v); the {fmt} format stores float32")
    else:
        vectors.save_word2vec_format(path, binary=fmt == "binary")
    return fmt


def read_vocab_file(path: str) -> dict[str, int]:
    """Read a C tool vocabulary file: one ``word count`` per line."""
    from w2v.io.word2vec_format import read_counts

    counts = read_counts(_require_file(path))
    if not counts:
        raise CommandError(f"{path}: the vocabulary file is empty")
    return counts


def write_vocab_file(vectors: KeyedVectors, path: str) -> None:
    """Write the vocabulary as the C tool does: ``word count`` per line, most frequent first."""
    from w2v.io.word2vec_format import write_counts

    write_counts(path, vectors.index_to_key, vectors.expandos["count"].tolist())


# ------------------------------------------------------------------ train


def _train_settings(args: argparse.Namespace) -> dict:
    """Word2Vec keyword arguments from the C-style flags, with the C tool's defaults."""
    if args.sg and args.cbow == 1:
        raise CommandError("--sg and -cbow 1 contradict each other")
    sg = 1 if args.sg or args.cbow == 0 else 0
    alpha = args.alpha if args.alpha is not None else (0.025 if sg else 0.05)
    for name in ("size", "window", "threads", "iter"):
        if getattr(args, name) < 1:
            raise CommandError(f"-{name} must be >= 1, got {getattr(args, name)}")
    return dict(vector_size=args.size, window=args.window, sample=args.sample, hs=args.hs,
                negative=args.negative, workers=args.threads, epochs=args.iter,
                min_count=args.min_count, alpha=alpha, sg=sg, seed=args.seed,
                shared_negatives=args.shared_negatives)


def _output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.binary is not None:  # the C tool's -binary decides whatever the file is called
        return "binary" if args.binary else "text"
    return detect_format(args.output)


def check_writable(path: str) -> None:
    """Fail now, not after hours of training, if ``path`` cannot be written."""
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise CommandError(f"cannot write {path}: it is a directory")
    if not os.path.isdir(directory):
        raise CommandError(f"cannot write {path}: the directory {directory} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CommandError(f"cannot write {path}: no permission to create files in {directory}")


#: Seconds between progress lines of ``w2v train -verbose`` without a terminal.
VERBOSE_REPORT_DELAY = 5.0


def _train_distributed(args: argparse.Namespace, corpus: str) -> tuple[object, bool]:
    """Train with ``w2v.distributed``; returns the model and whether this process writes it."""
    import w2v.distributed

    if args.read_vocab:
        raise CommandError("-read-vocab cannot be combined with -distributed: the processes count the corpus")
    model = w2v.distributed.train(
        corpus, backend=args.distributed, processes=args.processes, sync_words=args.sync_words,
        checkpoint_dir=args.checkpoint, resume=args.resume or None, report_delay=5.0,
        progress_bar=args.debug > 0 and _has_tqdm() and sys.stderr.isatty(), **_train_settings(args))
    return model, w2v.distributed.process_rank(args.distributed) == 0


def run_train(args: argparse.Namespace) -> int:
    from w2v.corpora import LineSentence
    from w2v.model import Word2Vec

    corpus = _require_file(args.input)
    fmt = _output_format(args)
    for path in (args.output, args.save_vocab):
        if path:
            check_writable(path)
    if args.verbose:
        logging.getLogger("w2v").setLevel(logging.INFO)
    if args.distributed:
        model, writes = _train_distributed(args, corpus)
        if writes:
            _write_trained(model, args.output, fmt)
        return 0
    model = Word2Vec(**_train_settings(args))
    # A compressed corpus is read in Python, as LineSentence does; a plain one in C by every thread.
    sentences = LineSentence(corpus) if corpus.lower().endswith(_COMPRESSED) else None
    if args.read_vocab:
        model.build_vocab_from_freq(read_vocab_file(args.read_vocab))
    elif sentences is not None:
        model.build_vocab(sentences)
    else:
        model.build_vocab(corpus_file=corpus)
    if args.save_vocab:
        write_vocab_file(model.wv, args.save_vocab)
    print(f"w2v train: {len(model.wv)} words, {model.corpus_total_words} words in {corpus}, "
          f"{model.workers} threads", file=sys.stderr)
    bar = (args.debug > 0 or args.verbose) and _has_tqdm() and sys.stderr.isatty()
    progress = dict(epochs=model.epochs, progress_bar=bar,
                    report_delay=VERBOSE_REPORT_DELAY if args.verbose else 1.0)
    if sentences is not None:  # (-read-vocab gives no sentence count: the words' then)
        model.train(sentences, total_examples=model.corpus_count or None,
                    total_words=None if model.corpus_count else model.corpus_total_words, **progress)
    else:
        model.train(corpus_file=corpus, total_words=model.corpus_total_words, **progress)
    _write_trained(model, args.output, fmt)
    return 0


def _write_trained(model, output: str, fmt: str) -> None:
    if fmt == "native":
        model.save(output)  # the whole model, so that training can go on later
    else:
        save_vectors(model.wv, output, fmt)
    print(f"w2v train: wrote {output} ({fmt})", file=sys.stderr)


def _has_tqdm() -> bool:
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return True


def _add_train_parser(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train", allow_abbrev=False, help="train vectors on a text file (the C tool's flags work)",
        description="Train word vectors on a whitespace-tokenised text file. The word2vec C "
                    "tool's flags work with its defaults (CBOW, size 100, window 5, negative 5, "
                    "5 iterations, alpha 0.05 for CBOW and 0.025 for skip-gram). The output "
                    "format follows -binary, --format or the file name (.bin binary, .txt/.vec "
                    "text, .w2v/.model w2v's native model that can be trained further).")
    option = train.add_argument
    option("-train", "--input", "--train", dest="input", required=True, metavar="FILE",
           help="the training text (.gz, .bz2 and .xz are decompressed)")
    option("-output", "--output", dest="output", required=True, metavar="FILE",
           help="where to write the vectors")
    option("-size", "--size", "--vector-size", dest="size", type=int, default=100,
           help="dimensions of the vectors (default 100)")
    option("-window", "--window", type=int, default=5, help="maximum context distance (default 5)")
    option("-sample", "--sample", type=float, default=1e-3,
           help="subsampling threshold for frequent words (default 1e-3; 0 turns it off)")
    option("-hs", "--hs", type=int, choices=(0, 1), default=0, help="hierarchical softmax (default 0)")
    option("-negative", "--negative", type=int, default=5, help="noise words per example (default 5)")
    option("-threads", "--threads", "--workers", dest="threads", type=int,
           default=min(12, os.cpu_count() or 1),
           help="training threads (default: the C tool's 12, or fewer if the machine has fewer cores)")
    option("-iter", "--iter", "--epochs", dest="iter", type=int, default=5, help="passes (default 5)")
    option("-min-count", "--min-count", dest="min_count", type=int, default=5,
           help="ignore words seen fewer times (default 5)")
    option("-alpha", "--alpha", type=float, default=None,
           help="starting learning rate (default 0.05 for CBOW, 0.025 for skip-gram)")
    option("-binary", "--binary", type=int, choices=(0, 1), default=None,
           help="1: C binary format, 0: C text format (default: by file name)")
    option("-cbow", "--cbow", type=int, choices=(0, 1), default=None,
           help="1: CBOW (the default), 0: skip-gram")
    option("--sg", action="store_true", help="skip-gram (the same as -cbow 0)")
    option("-save-vocab", "--save-vocab", dest="save_vocab", metavar="FILE",
           help="also write the vocabulary with counts")
    option("-read-vocab", "--read-vocab", dest="read_vocab", metavar="FILE",
           help="take the vocabulary and counts from this file instead of counting")
    option("-debug", "--debug", type=int, default=2, help="0 hides the progress bar (default 2)")
    option("-verbose", "--verbose", action="store_true",
           help="log the vocabulary, the epochs and, every few seconds, the progress (words/s, %% done, "
                "alpha); the progress bar instead when tqdm is installed and stderr is a terminal")
    option("--format", choices=FORMATS, help="output format (overrides -binary and the file name)")
    option("--seed", type=seed_int, default=1, help="random seed (default 1)")
    option("--shared-negatives", action="store_true",
           help="skip-gram only: batched training with one set of noise words per window")
    option("-distributed", "--distributed", choices=("mpi", "ray", "local"),
           help="train with several processes: 'mpi' under mpiexec (every process runs this "
                "command), 'ray' on a Ray cluster (with -processes); see docs/distributed.md")
    option("-processes", "--processes", type=positive_int, help="-distributed ray: the number of processes")
    option("-sync-words", "--sync-words", dest="sync_words", type=int, default=None,
           help="-distributed: words each process trains between exchanges of changes "
                "(default: about 2000 exchanges per process and epoch)")
    option("-checkpoint", "--checkpoint", metavar="DIR",
           help="-distributed: keep the latest checkpoint of the job in this directory")
    option("-resume", "--resume", action="store_true",
           help="-distributed: continue the job saved in -checkpoint DIR")
    train.set_defaults(handler=run_train)


# ------------------------------------------------------------------ queries


def _print_neighbours(pairs: Sequence[tuple[str, float]]) -> None:
    width = max((len(word) for word, _ in pairs), default=4)
    for word, score in pairs:
        print(f"{word:<{width}}  {score:.6f}")


def _queries(words: Sequence[str], arity: int | None, prompt: str) -> Iterator[list[str]]:
    """The query given on the command line, or else lines read from stdin until EOF/EXIT."""
    if words:
        yield list(words)
        return
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print(prompt, end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line or line.strip() == "EXIT":
            return
        query = line.split()
        if query:
            if arity is not None and len(query) != arity:
                print(f"expected {arity} words, got {len(query)}", file=sys.stderr)
                continue
            yield query


def _answer(queries: Iterator[list[str]], interactive: bool,
            answer: Callable[[list[str]], list[tuple[str, float]]]) -> int:
    for query in queries:
        try:
            _print_neighbours(answer(query))
        except KeyError as error:
            if not interactive:
                raise CommandError(f"{error.args[0]}") from None
            print(f"not in the vocabulary: {error.args[0]}", file=sys.stderr)
    return 0


def _check_known(vectors: KeyedVectors, words: Sequence[str]) -> None:
    for word in words:
        if word not in vectors:
            raise KeyError(f"word {word!r} is not in the vocabulary")


def run_similar(args: argparse.Namespace) -> int:
    vectors = load_vectors(args.vectors, args.format)
    index = None
    if args.index:
        from w2v.vectors.index import AnnIndex

        try:
            index = AnnIndex.load(_require_file(args.index), vectors)
        except ImportError as error:  # faiss is an optional dependency: say which extra brings it
            raise CommandError(str(error)) from None

    def answer(words: list[str]) -> list[tuple[str, float]]:
        _check_known(vectors, words)
        return vectors.most_similar(positive=words, topn=args.topn, indexer=index)
    queries = _queries(args.words, None, "Enter word or sentence (EXIT to break): ")
    return _answer(queries, not args.words, answer)


def run_analogy(args: argparse.Namespace) -> int:
    if args.words and len(args.words) != 3:
        raise CommandError(f"analogy needs three words A B C (A is to B as C is to ?), got {len(args.words)}")
    vectors = load_vectors(args.vectors, args.format)

    def answer(words: list[str]) -> list[tuple[str, float]]:
        _check_known(vectors, words)
        a, b, c = words
        if args.cosmul:
            return vectors.most_similar_cosmul(positive=[b, c], negative=[a], topn=args.topn)
        return vectors.most_similar(positive=[b, c], negative=[a], topn=args.topn)
    queries = _queries(args.words, 3, "Enter three words (EXIT to break): ")
    return _answer(queries, not args.words, answer)


def run_evaluate(args: argparse.Namespace) -> int:
    if not args.analogies and not args.pairs:
        raise CommandError("give --analogies FILE (e.g. questions-words.txt) and/or --pairs FILE "
                           "(e.g. wordsim353.tsv)")
    vectors = load_vectors(args.vectors, args.format)
    if args.analogies:
        function = "most_similar_cosmul" if args.cosmul else "most_similar"
        score, sections = vectors.evaluate_word_analogies(
            _require_file(args.analogies), restrict_vocab=args.restrict_vocab,
            case_insensitive=not args.case_sensitive, similarity_function=function)
        print(f"analogies ({function}), {args.analogies}:")
        print(f"{'section':<32} {'correct':>8} {'questions':>10} {'accuracy':>9}")
        for section in sections:
            right, wrong = len(section["correct"]), len(section["incorrect"])
            accuracy = 100 * right / (right + wrong) if right + wrong else 0.0
            print(f"{section['section']:<32} {right:>8} {right + wrong:>10} {accuracy:>8.2f}%")
    if args.pairs:
        pearson, spearman, oov = vectors.evaluate_word_pairs(
            _require_file(args.pairs), restrict_vocab=args.restrict_vocab,
            case_insensitive=not args.case_sensitive)
        print(f"word pairs, {args.pairs}:")
        print(f"pearson  {pearson[0]:.4f} (p={pearson[1]:.3g})")
        print(f"spearman {spearman[0]:.4f} (p={spearman[1]:.3g})")
        print(f"out of vocabulary {oov:.2f}%")
    return 0


def run_convert(args: argparse.Namespace) -> int:
    vectors = load_vectors(args.input, args.input_format)
    fmt = save_vectors(vectors, args.output, args.output_format, args.dtype)
    stored = f", {args.dtype}" if args.dtype else ""
    print(f"w2v convert: wrote {len(vectors)} vectors to {args.output} ({fmt}{stored})", file=sys.stderr)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from w2v.cli.demo import main_demo

    return main_demo(args.corpus, args.workers, args.epochs)


def _add_query_parsers(commands: argparse._SubParsersAction) -> None:
    def vectors_parser(name: str, help: str, description: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help, description=description)
        parser.add_argument("vectors", metavar="VECTORS", help="a vectors file (.bin, .txt, .vec or native)")
        parser.add_argument("--format", choices=FORMATS,
                            help="the file's format (default: native if it is one, else .bin binary, else text)")
        return parser

    similar = vectors_parser(
        "similar", "nearest words (the C tool's distance)",
        "Print the words nearest to WORD (several words: to their sum), by cosine similarity. "
        "With no WORD, read queries from stdin, one per line, until EOF or EXIT.")
    similar.add_argument("words", nargs="*", metavar="WORD")
    similar.add_argument("--topn", type=positive_int, default=40, help="how many (default 40)")
    similar.add_argument("--index", metavar="FILE",
                         help="answer from this approximate-neighbour index of VECTORS (AnnIndex.save; "
                              "its FILE.json must be beside it; needs pip install \"w2v[ann]\")")
    similar.set_defaults(handler=run_similar)

    analogy = vectors_parser(
        "analogy", "A is to B as C is to ? (the C tool's word-analogy)",
        "Print the words nearest to B - A + C (3CosAdd, or 3CosMul with --cosmul). With no "
        "words, read 'A B C' lines from stdin until EOF or EXIT.")
    analogy.add_argument("words", nargs="*", metavar="WORD", help="A B C")
    analogy.add_argument("--topn", type=positive_int, default=10, help="how many (default 10)")
    analogy.add_argument("--cosmul", action="store_true", help="use 3CosMul")
    analogy.set_defaults(handler=run_analogy)

    evaluate = vectors_parser(
        "evaluate", "analogy accuracy and word-pair correlation",
        "Evaluate vectors on an analogy file (questions-words.txt format) and/or a word-pair "
        "similarity file (word, word, score per line, e.g. WordSim-353), printed per section.")
    evaluate.add_argument("--analogies", metavar="FILE", help="analogy questions")
    evaluate.add_argument("--pairs", metavar="FILE", help="word pairs with human scores")
    evaluate.add_argument("--restrict-vocab", type=positive_int, default=300000,
                          help="only the most frequent words (default 300000)")
    evaluate.add_argument("--case-sensitive", action="store_true", help="do not lower-case")
    evaluate.add_argument("--cosmul", action="store_true", help="analogies by 3CosMul")
    evaluate.set_defaults(handler=run_evaluate)

    convert = commands.add_parser(
        "convert", help="convert vectors between formats",
        description="Convert vectors between the C text format (.txt/.vec), the C binary format "
                    "(.bin) and w2v's native format (.w2v/.kv); .gz/.bz2 work too.")
    convert.add_argument("input", metavar="INPUT")
    convert.add_argument("output", metavar="OUTPUT")
    convert.add_argument("--from", dest="input_format", choices=FORMATS, help="input format")
    convert.add_argument("--to", dest="output_format", choices=FORMATS, help="output format")
    convert.add_argument("--dtype", choices=("float16", "float32", "float64"),
                         help="native output only: store the vectors in this type (float16 halves the file "
                              "and the memory of a service that loads it)")
    convert.set_defaults(handler=run_convert)


def run_show_config(args: argparse.Namespace) -> int:
    from w2v import show_config

    show_config()
    return 0


def _token_lines(path: str) -> Iterator[list[str]]:
    """The tokens of each line of ``path``, empty lines included (bytes kept by surrogateescape)."""
    from w2v.io.files import open_binary

    with open_binary(path) as f:
        for line in f:
            yield line.decode("utf-8", "surrogateescape").split()


def run_phrases(args: argparse.Namespace) -> int:
    from w2v.io.files import atomic_write
    from w2v.phrases import Phrases

    _require_file(args.input)
    phrases = Phrases(_token_lines(args.input), min_count=args.min_count, threshold=args.threshold,
                      max_vocab_size=args.max_vocab_size, delimiter=args.delimiter, scoring=args.scoring)
    frozen = phrases.freeze()  # joining needs only the phrases, and is faster on them
    lines = joined = 0
    with atomic_write(args.output) as out:
        for tokens in _token_lines(args.input):
            phrased = frozen[tokens]
            joined += len(tokens) - len(phrased)
            out.write(" ".join(phrased).encode("utf-8", "surrogateescape") + b"\n")
            lines += 1
    if args.debug > 0:
        print(f"Words in train file: {phrases.corpus_word_count}; {phrases}; {frozen}; "
              f"lines: {lines}, tokens joined away: {joined}", file=sys.stderr)
    return 0


def _add_phrases_command(commands: argparse._SubParsersAction) -> None:
    phrases = commands.add_parser(
        "phrases", allow_abbrev=False,
        help="join frequent word pairs into phrases, like word2phrase",
        description="Count the words and word pairs of a text file, then write it again with "
                    "each pair that scores above the threshold joined into one token (new york "
                    "-> new_york). Score: (count(ab) - min_count) / (count(a) count(b)) * N, "
                    "N the number of words (word2phrase's formula). Run it on its own output "
                    "to get longer phrases. The C tool's single-dash flags work too.")
    phrases.add_argument("-train", "--input", dest="input", required=True, metavar="FILE",
                         help="text to read, one sentence per line (.gz/.bz2/.xz decompressed)")
    phrases.add_argument("-output", "--output", dest="output", required=True, metavar="FILE",
                         help="where to write the text with phrases joined")
    phrases.add_argument("-min-count", "--min-count", dest="min_count", type=positive_int, default=5, metavar="N",
                         help="discount in the score; pairs seen fewer times never join (default 5)")
    phrases.add_argument("-threshold", "--threshold", dest="threshold", type=float, default=100.0,
                         metavar="X", help="join pairs scoring above this; higher means fewer "
                                           "phrases (default 100)")
    phrases.add_argument("--delimiter", default="_", help="joins the words of a phrase (default _)")
    phrases.add_argument("--scoring", choices=["word2phrase", "default", "original", "npmi"], default="word2phrase",
                         help="word2phrase: the C tool's score (the default); default or original: "
                              "gensim's (vocabulary size for N); npmi: normalised PMI, threshold in [-1, 1]")
    phrases.add_argument("--max-vocab-size", type=positive_int, default=40000000, metavar="N",
                         help="prune the rarest words and pairs beyond this many (default 40000000)")
    phrases.add_argument("-debug", "--debug", dest="debug", type=int, default=0, metavar="N",
                         help="1 or more: print a summary on stderr (default 0)")
    phrases.set_defaults(handler=run_phrases)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``w2v`` command, with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="w2v", description="Train and use word2vec embeddings.")
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    parser.add_argument("--debug", dest="traceback", action="store_true",
                        help="show the full traceback of an error (before COMMAND: w2v --debug train ...)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    _add_train_parser(commands)
    _add_query_parsers(commands)

    demo = commands.add_parser(
        "demo", help="train on a generated language with planted relations and show the result",
        description="Train on a small generated language with planted relations (countries "
                    "and capitals, male and female, singular and plural), then print "
                    "neighbours and analogies. With --corpus, train on your own text file.")
    demo.add_argument("--corpus", metavar="FILE", help="a text file to train on instead")
    demo.add_argument("--workers", type=positive_int, default=2, help="training threads (default 2)")
    demo.add_argument("--epochs", type=positive_int, default=None, help="passes over the corpus (default 5)")
    demo.set_defaults(handler=run_demo)
    _add_phrases_command(commands)

    show_config = commands.add_parser(
        "show-config", help="print how w2v was built (compiler, flags, BLAS) and what it runs with",
        description="Print w2v's build (compiler, flags, the NumPy/SciPy/Cython it was built "
                    "against) and run-time configuration (versions, BLAS libraries and their "
                    "threads, CPUs). Include it in bug reports.")
    show_config.set_defaults(handler=run_show_config)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print(f"w2v {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.traceback:
            raise
        print(f"w2v {args.command}: error: {error_line(error)}", file=sys.stderr)
        return 1


def error_line(error: BaseException) -> str:
    """What to print for ``error``: its message on one line, its kind where the message needs it.

    Examples
    --------
    >>> error_line(KeyError("word 'zzz' is not in the vocabulary"))
    "word 'zzz' is not in the vocabulary"
    >>> error_line(MemoryError("Unable to allocate 3.7 TiB for an array"))
    'not enough memory: Unable to allocate 3.7 TiB for an array'
    >>> error_line(ZeroDivisionError("division by zero"))
    'ZeroDivisionError: division by zero (w2v --debug ... shows where)'
    """
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    message = " ".join(str(message).split()) or type(error).__name__
    if isinstance(error, MemoryError):
        return f"not enough memory: {message}"
    if isinstance(error, (CommandError, OSError, ValueError, KeyError, RuntimeError)):
        return message
    return f"{type(error).__name__}: {message} (w2v --debug ... shows where)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
