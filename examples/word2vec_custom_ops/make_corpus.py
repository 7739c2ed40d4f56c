"""Writes corpus.txt: the small synthetic corpus the word2vec example trains on.

Six topics of twelve words each; every sentence draws its content words from one topic and
mixes in function words, so words of a topic share contexts and a trained embedding puts them
near each other (what the example checks). Deterministic: the same file every time.

    python examples/word2vec_custom_ops/make_corpus.py
"""
import os

import numpy as np

TOPICS = {
    'animals': 'cat dog horse cow sheep goat pig mouse rabbit fox wolf bear',
    'colors': 'red green blue yellow purple orange black white pink brown grey violet',
    'numbers': 'one two three four five six seven eight nine ten eleven twelve',
    'food': 'bread cheese apple rice soup pasta butter honey salad bean pear plum',
    'weather': 'rain snow wind storm cloud sun fog hail thunder frost mist breeze',
    'music': 'piano violin guitar drum flute harp cello trumpet song melody rhythm choir',
}
FUNCTION_WORDS = 'the a of and to in is with on for'.split()


def sentences(rng, count):
    topics = [words.split() for words in TOPICS.values()]
    for _ in range(count):
        topic = topics[rng.randint(len(topics))]
        length = rng.randint(6, 12)
        words = [topic[rng.randint(len(topic))] if rng.rand() < 0.7 else FUNCTION_WORDS[rng.randint(10)]
                 for _ in range(length)]
        yield ' '.join(words)


def main():
    rng = np.random.RandomState(2026)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus.txt')
    with open(path, 'w') as f:
        for sentence in sentences(rng, 2000):
            f.write(sentence + '\n')
    print('wrote', path)


if __name__ == '__main__':
    main()
