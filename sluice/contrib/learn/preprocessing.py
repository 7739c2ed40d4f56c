"""tf.contrib.learn.preprocessing: documents to fixed-length rows of word ids, as TF 1.15's text.py.

The tokenizer splits on TF's regular expression (runs of capitals, capitalized words, and word
characters with ' and -). A CategoricalVocabulary gives ids in order of first appearance from 1 (0
is '<UNK>'); trim(min_frequency) renumbers by descending count (ties by the token), dropping
tokens seen min_frequency times or fewer; a frozen vocabulary maps unseen tokens to 0.
VocabularyProcessor.fit builds and freezes it; transform yields int64 rows of max_document_length
ids, zero-padded and cut; save/restore pickle the processor.
"""
import collections
import pickle
import re

import numpy as np

from sluice.io.graph_io import GFile

__all__ = ['tokenizer', 'CategoricalVocabulary', 'ByteProcessor', 'VocabularyProcessor', 'TOKENIZER_RE']

TOKENIZER_RE = re.compile(r"[A-Z]{2,}(?![a-z])|[A-Z][a-z]+(?=[A-Z])|[\'\w\-]+", re.UNICODE)


def tokenizer(iterator):
    """Yields the tokens of each string of `iterator`."""
    for value in iterator:
        yield TOKENIZER_RE.findall(value)


class CategoricalVocabulary:
    """Categories (tokens) to ids, 0 for the unknown token; grows until frozen."""

    def __init__(self, unknown_token='<UNK>', support_reverse=True):
        self._unknown_token = unknown_token
        self._mapping = {unknown_token: 0}
        self._support_reverse = support_reverse
        if support_reverse:
            self._reverse_mapping = [unknown_token]
        self._freq = collections.defaultdict(int)
        self._freeze = False

    def __len__(self):
        return len(self._mapping)

    def freeze(self, freeze=True):
        self._freeze = freeze

    def get(self, category):
        """The id of `category`, added when new and not frozen (0 when frozen and unknown)."""
        if category not in self._mapping:
            if self._freeze:
                return 0
            self._mapping[category] = len(self._mapping)
            if self._support_reverse:
                self._reverse_mapping.append(category)
        return self._mapping[category]

    def add(self, category, count=1):
        category_id = self.get(category)
        if category_id <= 0:
            return
        self._freq[category] += count

    def trim(self, min_frequency, max_frequency=-1):
        """Keeps the categories seen more than min_frequency (and fewer than max_frequency) times, by count."""
        by_count = sorted(sorted(self._freq.items(), key=lambda x: (isinstance(x[0], str), x[0])),
                          key=lambda x: x[1], reverse=True)
        self._mapping = {self._unknown_token: 0}
        if self._support_reverse:
            self._reverse_mapping = [self._unknown_token]
        idx = 1
        for category, count in by_count:
            if max_frequency > 0 and count >= max_frequency:
                continue
            if count <= min_frequency:
                break
            self._mapping[category] = idx
            idx += 1
            if self._support_reverse:
                self._reverse_mapping.append(category)
        self._freq = dict(by_count[:idx - 1])

    def reverse(self, class_id):
        if not self._support_reverse:
            raise ValueError("This vocabulary wasn't initialized with support_reverse to support reverse() "
                             "function.")
        return self._reverse_mapping[class_id]


class ByteProcessor:
    """Documents as rows of their UTF-8 bytes, cut and zero-padded to max_document_length."""

    def __init__(self, max_document_length):
        self.max_document_length = max_document_length

    def fit(self, x):
        pass

    def fit_transform(self, x):
        return self.transform(x)

    def reverse(self, x):
        for data in x:
            document = np.trim_zeros(data.astype(np.int8), trim='b').tobytes()
            try:
                yield document.decode('utf-8')
            except UnicodeDecodeError:
                yield ''

    def transform(self, x):
        for document in x:
            if isinstance(document, str):
                document = document.encode('utf-8')
            row = np.frombuffer(memoryview(document)[:self.max_document_length], dtype=np.uint8)
            yield np.pad(row, (0, self.max_document_length - len(row)), 'constant')


class VocabularyProcessor:
    """Maps documents to rows of word ids (a vocabulary fitted on them, or given)."""

    def __init__(self, max_document_length, min_frequency=0, vocabulary=None, tokenizer_fn=None):
        self.max_document_length = max_document_length
        self.min_frequency = min_frequency
        self.vocabulary_ = vocabulary if vocabulary else CategoricalVocabulary()
        self._tokenizer = tokenizer_fn if tokenizer_fn else tokenizer

    def fit(self, raw_documents, unused_y=None):
        """Adds every token of the documents to the vocabulary, trims it to min_frequency, freezes it."""
        for tokens in self._tokenizer(raw_documents):
            for token in tokens:
                self.vocabulary_.add(token)
        if self.min_frequency > 0:
            self.vocabulary_.trim(self.min_frequency)
        self.vocabulary_.freeze()
        return self

    def fit_transform(self, raw_documents, unused_y=None):
        self.fit(raw_documents)
        return self.transform(raw_documents)

    def transform(self, raw_documents):
        """Yields an int64 row of max_document_length word ids per document (0: unknown or padding)."""
        for tokens in self._tokenizer(raw_documents):
            word_ids = np.zeros(self.max_document_length, np.int64)
            for idx, token in enumerate(tokens):
                if idx >= self.max_document_length:
                    break
                word_ids[idx] = self.vocabulary_.get(token)
            yield word_ids

    def reverse(self, documents):
        """Yields each row of ids as its words joined by spaces ('<UNK>' for 0)."""
        for item in documents:
            yield ' '.join(self.vocabulary_.reverse(class_id) for class_id in item)

    def save(self, filename):
        with GFile(filename, 'wb') as f:
            f.write(pickle.dumps(self))

    @classmethod
    def restore(cls, filename):
        with GFile(filename, 'rb') as f:
            return pickle.loads(f.read())
