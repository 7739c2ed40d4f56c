"""tf.keras.preprocessing.text (TF 1.15, i.e. keras_preprocessing 1.1): word splitting, hashing and the
Tokenizer, in plain Python.

text_to_word_sequence lower-cases (by default), turns every `filters` character into `split`, splits
and drops empty tokens. hashing_trick maps each word to hash(word) % (n - 1) + 1 (index 0 stays
reserved; hash_function 'md5' uses the md5 digest as an integer, stable across processes, Python's
`hash` of a str is not); one_hot is hashing_trick with Python's hash.
Tokenizer: fit_on_texts counts words (word_counts, in first-seen order) and the documents holding them
(word_docs), then numbers the vocabulary by descending count from 1, ties keeping first-seen order,
with oov_token (if any) taking index 1. texts_to_sequences keeps words whose index is below num_words
(all when num_words is None), writing oov_token's index for the others when there is one.
sequences_to_matrix gives [len(sequences), num_words] rows in mode binary / count / freq / tfidf
(tf = 1 + log(count), idf = log(1 + documents / (1 + documents holding the word))).
A list instead of a string (or char_level) is taken as its tokens, lower-cased when `lower`.
"""
import collections
import hashlib
import json
import warnings

import numpy as np

_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=_FILTERS, lower=True, split=' '):
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [token for token in text.split(split) if token]


def one_hot(text, n, filters=_FILTERS, lower=True, split=' '):
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


def hashing_trick(text, n, hash_function=None, filters=_FILTERS, lower=True, split=' '):
    if hash_function is None:
        hash_function = hash
    elif hash_function == 'md5':
        hash_function = lambda w: int(hashlib.md5(w.encode()).hexdigest(), 16)   # noqa: E731
    return [hash_function(w) % (n - 1) + 1 for w in text_to_word_sequence(text, filters, lower, split)]


class Tokenizer(object):
    """A vocabulary fitted on texts, turning texts into index sequences or count matrices."""

    def __init__(self, num_words=None, filters=_FILTERS, lower=True, split=' ', char_level=False, oov_token=None,
                 document_count=0, **kwargs):
        if 'nb_words' in kwargs:
            warnings.warn('The `nb_words` argument in `Tokenizer` has been renamed `num_words`.')
            num_words = kwargs.pop('nb_words')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for w in tokens:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(tokens):
                self.word_docs[w] += 1
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)   # stable
        vocabulary = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in by_count]
        self.word_index = dict(zip(vocabulary, range(1, len(vocabulary) + 1)))   # 0 is never a word
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Counts documents per index (what tfidf needs) from index sequences."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            indices = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None and not (self.num_words and i >= self.num_words):
                    indices.append(i)
                elif oov_index is not None:
                    indices.append(oov_index)
            yield indices

    def sequences_to_texts(self, sequences):
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for i in seq:
                word = self.index_word.get(i)
                if word is not None and not (self.num_words and i >= self.num_words):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            yield ' '.join(words)

    def texts_to_matrix(self, texts, mode='binary'):
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode='binary'):
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError('Specify a dimension (`num_words` argument), or fit on some text data first.')
        if mode == 'tfidf' and not self.document_count:
            raise ValueError('Fit the Tokenizer on some data before using tfidf mode.')
        x = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.Counter(j for j in seq if j < num_words)
            for j, c in counts.items():
                if mode == 'count':
                    x[row][j] = c
                elif mode == 'freq':
                    x[row][j] = c / len(seq)
                elif mode == 'binary':
                    x[row][j] = 1
                elif mode == 'tfidf':
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row][j] = (1 + np.log(c)) * idf
                else:
                    raise ValueError('Unknown vectorization mode:', mode)
        return x

    def get_config(self):
        return {'num_words': self.num_words, 'filters': self.filters, 'lower': self.lower, 'split': self.split,
                'char_level': self.char_level, 'oov_token': self.oov_token, 'document_count': self.document_count,
                'word_counts': json.dumps(self.word_counts), 'word_docs': json.dumps(self.word_docs),
                'index_docs': json.dumps(self.index_docs), 'index_word': json.dumps(self.index_word),
                'word_index': json.dumps(self.word_index)}

    def to_json(self, **kwargs):
        return json.dumps({'class_name': self.__class__.__name__, 'config': self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """The Tokenizer that `Tokenizer.to_json` described."""
    config = dict(json.loads(json_string).get('config'))
    word_counts = json.loads(config.pop('word_counts'))
    word_docs = json.loads(config.pop('word_docs'))
    index_docs = {int(k): v for k, v in json.loads(config.pop('index_docs')).items()}
    index_word = {int(k): v for k, v in json.loads(config.pop('index_word')).items()}
    word_index = json.loads(config.pop('word_index'))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = collections.OrderedDict(word_counts)
    tokenizer.word_docs = collections.defaultdict(int, word_docs)
    tokenizer.index_docs = collections.defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
