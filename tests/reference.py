"""A slow, plain NumPy implementation of the word2vec update, used to check the kernels.

It follows the same algorithm and the same random stream as ``w2v._core`` (the C tool's
48-bit LCG, the alias table for noise words, the sigmoid table) in float32, one operation
at a time, so the kernels' results must match it to float32 rounding.
"""

from __future__ import annotations

import numpy as np

MASK48 = (1 << 48) - 1
MAX_EXP = 6.0


class LCG:
    """The C tool's random generator: r = r * 25214903917 + 11 mod 2**48, 32 high bits out."""

    def __init__(self, state: int):
        self.state = state & MASK48

    def next32(self) -> int:
        self.state = (self.state * 25214903917 + 11) & MASK48
        return self.state >> 16


class ReferenceModel:
    """Weights and tables of a tiny model, updated by the reference algorithm."""

    def __init__(self, syn0, syn1, syn1neg, *, sg, hs, negative, cbow_mean, window, shrink_windows,
                 keep_threshold=None, alias=None, huffman=None, sigmoid_table, noise_rng=None,
                 compute_loss=True, shared_negatives=False, syn1softmax=None):
        self.syn0, self.syn1, self.syn1neg = syn0, syn1, syn1neg
        self.syn1softmax = syn1softmax  # the full softmax's output matrix (excludes hs, negative)
        self.sg, self.hs, self.negative = sg, hs, negative
        self.cbow_mean, self.window, self.shrink_windows = cbow_mean, window, shrink_windows
        self.keep_threshold = keep_threshold
        self.alias = alias
        self.noise_rng = noise_rng  # noise words have their own stream (an LCG too)
        self.huffman = huffman
        self.table = sigmoid_table
        self.scale = np.float32((len(sigmoid_table) - 1) / (2 * MAX_EXP))  # the table has one spare entry
        self.compute_loss = compute_loss
        self.shared_negatives = shared_negatives
        self.loss = 0.0
        self.out_of_range = 0  # terms with |f| >= MAX_EXP (their update is skipped)

    def sigmoid(self, f: np.float32) -> np.float32:
        return self.table[int((f + np.float32(MAX_EXP)) * self.scale)]

    def gradient(self, f, label, alpha):
        """g = (label - sigmoid(f)) * alpha; out-of-range f gives 0 (the update is skipped)."""
        f = np.float32(f)
        if self.compute_loss:
            self.loss += np.logaddexp(0.0, (1.0 - 2.0 * label) * float(f))
        if f >= MAX_EXP or f <= -MAX_EXP:
            self.out_of_range += 1
            return np.float32(0)
        return np.float32((np.float32(label) - self.sigmoid(f)) * alpha)

    def output_update(self, v, u, label, alpha, neu1e):
        """One (input, output, label) term; updates u and neu1e in place."""
        g = self.gradient(np.dot(v.astype(np.float64), u.astype(np.float64)), label, alpha)
        if g == 0:
            return
        neu1e += g * u
        u += g * v

    def softmax_update(self, v, word, alpha, neu1e):
        """Full softmax: p = softmax(U v), g = alpha (onehot - p); neu1e += U^T g, then U += g v^T."""
        output = self.syn1softmax
        if self.compute_loss:
            self.loss += softmax_nll(output, v, word)
        scores = output.astype(np.float64) @ v.astype(np.float64)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        g = (-alpha * probabilities).astype(np.float32)
        g[word] += np.float32(alpha)
        neu1e += g @ output
        output += np.outer(g, v)

    def draw_noise(self) -> int:
        accept, other = self.alias
        column = (self.noise_rng.next32() * len(accept)) >> 32
        return column if self.noise_rng.next32() < accept[column] else int(other[column])

    def output_layers(self, v, word, alpha, negative=True):
        neu1e = np.zeros_like(v)
        if self.syn1softmax is not None:
            self.softmax_update(v, word, alpha, neu1e)
            return neu1e
        if self.hs:
            points, codes, offsets = self.huffman
            for p in range(offsets[word], offsets[word + 1]):
                self.output_update(v, self.syn1[points[p]], 1.0 - codes[p], alpha, neu1e)
        if self.negative and negative:
            noise = [self.draw_noise() for _ in range(self.negative)]
            self.output_update(v, self.syn1neg[word], 1.0, alpha, neu1e)
            for target in noise:
                if target != word:
                    self.output_update(v, self.syn1neg[target], 0.0, alpha, neu1e)
        return neu1e

    def window_update(self, contexts, word, alpha):
        """Shared negatives (HogBatch): one set of noise words for the whole window, and
        every score computed from the vectors as they were before the window's update."""
        if not contexts:
            return
        noise = [self.draw_noise() for _ in range(self.negative)]
        targets = [word] + [t for t in noise if t != word]
        inputs = self.syn0[contexts].astype(np.float64)
        outputs = self.syn1neg[targets].astype(np.float64)
        scores = outputs @ inputs.T
        grads = np.array([[self.gradient(scores[t, b], 1.0 if t == 0 else 0.0, alpha)
                           for b in range(len(contexts))] for t in range(len(targets))], dtype=np.float64)
        input_grads = (grads.T @ outputs).astype(np.float32)
        output_grads = (grads @ inputs).astype(np.float32)
        for b, context in enumerate(contexts):  # duplicates add up, as in the kernel
            self.syn0[context] += input_grads[b]
        for t, target in enumerate(targets):
            self.syn1neg[target] += output_grads[t]

    def train_sentence(self, words, alpha_start, alpha_end, rng: LCG) -> int:
        if self.keep_threshold is None:
            kept = list(words)
        else:
            kept = [w for w in words if rng.next32() <= self.keep_threshold[w]]
        n = len(kept)
        slope = np.float32((np.float32(alpha_end) - np.float32(alpha_start)) / np.float32(n)) if n else 0
        for i in range(n):
            radius = self.window - (rng.next32() % self.window if self.shrink_windows else 0)
            start, end = max(i - radius, 0), min(i + radius + 1, n)
            alpha = np.float32(np.float32(alpha_start) + slope * np.float32(i))
            if self.sg:
                if self.hs or not self.shared_negatives:
                    for j in range(start, end):
                        if j != i:
                            v = self.syn0[kept[j]]
                            v += self.output_layers(v, kept[i], alpha, negative=not self.shared_negatives)
                if self.shared_negatives:
                    self.window_update([kept[j] for j in range(start, end) if j != i], kept[i], alpha)
            else:
                context = [kept[j] for j in range(start, end) if j != i]
                if not context:
                    continue
                neu1 = np.zeros(self.syn0.shape[1], dtype=np.float32)
                for c in context:
                    neu1 += self.syn0[c]
                inverse = np.float32(1.0) / np.float32(len(context))
                if self.cbow_mean:
                    neu1 *= inverse
                neu1e = self.output_layers(neu1, kept[i], alpha)
                if not self.cbow_mean:
                    neu1e *= inverse
                for c in context:
                    self.syn0[c] += neu1e
        return n


def softmax_nll(output, v, word) -> float:
    """-log p(word | v) under the full softmax p = softmax(output @ v), in float64."""
    scores = np.asarray(output, dtype=np.float64) @ np.asarray(v, dtype=np.float64)
    top = scores.max()
    return float(np.log(np.exp(scores - top).sum()) + top - scores[word])


def examples(sentence, window, sg, cbow_mean=1):
    """(input word rows, combine, target) of every example of a sentence with full windows and
    no subsampling, in the kernels' order: skip-gram pairs (context -> centre), or one CBOW
    example per centre word (mean or sum of the context rows)."""
    for i, centre in enumerate(sentence):
        context = [sentence[j] for j in range(max(i - window, 0), min(i + window + 1, len(sentence))) if j != i]
        if sg:
            for word in context:
                yield [word], "sum", centre
        elif context:
            yield context, "mean" if cbow_mean else "sum", centre


def corpus_nll(syn0, output, sentences, window, sg, cbow_mean=1) -> float:
    """The full softmax's exact negative log-likelihood of a corpus (full windows, no
    subsampling): what the kernels report as the loss of one epoch trained with alpha = 0."""
    syn0 = np.asarray(syn0, dtype=np.float64)
    total = 0.0
    for sentence in sentences:
        for rows, combine, target in examples(sentence, window, sg, cbow_mean):
            hidden = syn0[rows].mean(axis=0) if combine == "mean" else syn0[rows].sum(axis=0)
            total += softmax_nll(output, hidden, target)
    return total
