"""Callbacks inside a real Model.fit: skipped until sluice.keras has Sequential and Dense (H1, H5)."""
import csv
import os

import numpy as np
import pytest

import sluice as tf
from sluice.keras import callbacks


def _keras_model():
    keras = tf.keras
    if getattr(keras, 'Sequential', None) is None or getattr(getattr(keras, 'layers', None), 'Dense', None) is None:
        pytest.skip('sluice.keras.Sequential and layers.Dense are not there yet')
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(lr=0.1), loss='mse')
    return model


def test_fit_drives_the_callbacks(tmp_path, capsys):
    model = _keras_model()
    rng = np.random.RandomState(0)
    x = rng.rand(32, 3).astype(np.float32)
    y = x.dot([[1.0], [-2.0], [0.5]]).astype(np.float32)
    seen = []
    csv_path = str(tmp_path / 'log.csv')
    checkpoint = str(tmp_path / 'w.{epoch:02d}.ckpt')
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=2, validation_data=(x, y), callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
        callbacks.CSVLogger(csv_path),
        callbacks.ModelCheckpoint(checkpoint, save_weights_only=True),
        callbacks.EarlyStopping(monitor='val_loss', patience=10),
        callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append((batch, logs['size'])))])
    assert history is model.history and history.epoch == [0, 1, 2, 3]
    assert sorted(history.history) == ['loss', 'lr', 'val_loss']
    np.testing.assert_allclose(history.history['lr'], [0.05, 0.025, 0.0125, 0.00625], rtol=1e-6)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert seen[:4] == [(0, 8), (1, 8), (2, 8), (3, 8)]
    with open(csv_path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['epoch', 'loss', 'lr', 'val_loss'] and len(rows) == 5
    assert any(name.startswith('w.04.ckpt') for name in os.listdir(str(tmp_path)))
    out = capsys.readouterr().out
    assert 'Epoch 1/4' in out and '32/32 - ' in out and ' - val_loss: ' in out
