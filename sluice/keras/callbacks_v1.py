"""tf.keras.callbacks.TensorBoard as TF 1.x has it (TF 1.15's callbacks_v1), in graph mode.

On set_model a `tf.summary.FileWriter` opens in `log_dir`, given the Keras graph when write_graph.
Each epoch's logs are written as scalar summaries tagged 'epoch_<name>' at step = epoch
(update_freq='epoch'), or, with update_freq 'batch' or N samples, the batch logs as 'batch_<name>'
at step = batches seen whenever N samples have passed since the last write, and the epoch logs at
step = samples seen. With histogram_freq > 0 the callback builds histogram summaries of every layer's
weights ('<weight name with : as _>'), of their gradients with write_grads ('..._grad'), of the
layer outputs ('<layer>_out' or '<layer>_out_<i>') and, with write_images, images of the weights;
they are merged and fetched by the model's test function during validation on every
`histogram_freq`-th epoch (written at the validation batch count), as TF 1.15 does: the test
function must offer `fetches` and `fetch_callbacks` (Keras's backend Function protocol).
Not implemented: embeddings (embeddings_freq > 0 raises) and profiling (profile_batch is accepted
and ignored; a value other than 0 or the default 2 logs that).
"""
import logging

import numpy as np

from sluice.keras import backend as K
from sluice.keras import callbacks

_log = logging.getLogger('tensorflow')


class TensorBoard(callbacks.Callback):
    """Writes the graph, epoch (or batch) metrics and optionally histograms for TensorBoard."""

    def __init__(self, log_dir='./logs', histogram_freq=0, batch_size=32, write_graph=True, write_grads=False,
                 write_images=False, embeddings_freq=0, embeddings_layer_names=None, embeddings_metadata=None,
                 embeddings_data=None, update_freq='epoch', profile_batch=2):
        super(TensorBoard, self).__init__()
        if embeddings_freq:
            raise NotImplementedError('sluice does not implement TensorBoard embeddings (embeddings_freq) yet')
        if profile_batch not in (0, 2):
            _log.warning('sluice does not implement TensorBoard profiling yet: profile_batch=%s is ignored.',
                         profile_batch)
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.merged = None
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.batch_size = batch_size
        self._current_batch = 0
        self._total_batches_seen = 0
        self._total_val_batches_seen = 0
        self.embeddings_freq = embeddings_freq
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata
        self.embeddings_data = embeddings_data
        self.update_freq = 1 if update_freq == 'batch' else update_freq
        self._samples_seen = 0
        self._samples_seen_at_last_write = 0
        self._profile_batch = profile_batch

    def _init_writer(self, model):
        from sluice.summary import FileWriter
        self.writer = FileWriter(self.log_dir, K.get_graph() if self.write_graph else None)

    def _make_histogram_ops(self, model):
        from sluice import summary
        if not self.histogram_freq or self.merged is not None:
            return
        for layer in model.layers:
            for weight in layer.weights:
                tag = weight.name.replace(':', '_')
                summary.histogram(tag, weight)
                if self.write_images:
                    image = _weight_image(weight)
                    if image is not None:
                        summary.image(tag, image)
            if self.write_grads:
                for weight in layer.trainable_weights:
                    grads = model.optimizer.get_gradients(model.total_loss, weight)
                    grads = [g.values if type(g).__name__ == 'IndexedSlices' else g for g in grads]
                    summary.histogram('{}_grad'.format(weight.name.replace(':', '_')), grads)
            if hasattr(layer, 'output'):
                if isinstance(layer.output, list):
                    for i, output in enumerate(layer.output):
                        summary.histogram('{}_out_{}'.format(layer.name, i), output)
                else:
                    summary.histogram('{}_out'.format(layer.name), layer.output)

    def set_model(self, model):
        from sluice import summary
        self.model = model
        self._init_writer(model)
        with K.get_graph().as_default():
            self._make_histogram_ops(model)
            self.merged = summary.merge_all()

    def _fetch_callback(self, value):
        self.writer.add_summary(value, self._total_val_batches_seen)
        self._total_val_batches_seen += 1

    def _write_custom_summaries(self, step, logs=None):
        """Writes each log value as a scalar summary (simple_value) at `step`."""
        from sluice.summary import Summary
        for name, value in (logs or {}).items():
            if isinstance(value, np.ndarray):
                value = value.item()
            summary = Summary()
            summary_value = summary.value.add()
            summary_value.simple_value = value
            summary_value.tag = name
            self.writer.add_summary(summary, step)
        self.writer.flush()

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self._samples_seen += logs.get('size', 1)
        since_last_write = self._samples_seen - self._samples_seen_at_last_write
        if self.update_freq != 'epoch' and since_last_write >= self.update_freq:
            batch_logs = {'batch_' + k: v for k, v in logs.items() if k not in ('batch', 'size', 'num_steps')}
            self._write_custom_summaries(self._total_batches_seen, batch_logs)
            self._samples_seen_at_last_write = self._samples_seen
        self._total_batches_seen += 1

    def on_epoch_begin(self, epoch, logs=None):
        """On a histogram epoch, adds the merged summaries to the test function's fetches."""
        if not (self.histogram_freq and epoch % self.histogram_freq == 0 and self.merged is not None):
            return
        self._epoch = epoch
        self.model._make_test_function()
        test_function = self.model.test_function
        if not hasattr(test_function, 'fetch_callbacks'):
            raise NotImplementedError('TensorBoard(histogram_freq=%d) needs a test function with `fetches` and '
                                      '`fetch_callbacks`, which this model\'s test function lacks'
                                      % self.histogram_freq)
        if self.merged not in test_function.fetches:
            test_function.fetches.append(self.merged)
            test_function.fetch_callbacks[self.merged] = self._fetch_callback

    def on_epoch_end(self, epoch, logs=None):
        logs = {'epoch_' + k: v for k, v in (logs or {}).items() if k not in ('batch', 'size', 'num_steps')}
        self._write_custom_summaries(epoch if self.update_freq == 'epoch' else self._samples_seen, logs)
        test_function = getattr(self.model, 'test_function', None)
        if self.histogram_freq and test_function is not None and self.merged is not None:
            if self.merged in test_function.fetches:
                test_function.fetches.remove(self.merged)
            getattr(test_function, 'fetch_callbacks', {}).pop(self.merged, None)

    def on_train_end(self, logs=None):
        self.writer.close()


def _weight_image(weight):
    """A [1|k, h, w, 1] image of a weight (dense kernels wide side across, conv kernels one image per
    output channel, biases one row), or None for other ranks."""
    from sluice.ops import array_ops
    image = array_ops.squeeze(weight)
    shape = K.int_shape(image)
    if len(shape) == 2:
        if shape[0] > shape[1]:
            image = array_ops.transpose(image)
            shape = K.int_shape(image)
        return array_ops.reshape(image, [1, shape[0], shape[1], 1])
    if len(shape) == 3:
        if K.image_data_format() == 'channels_last':
            image = array_ops.transpose(image, perm=[2, 0, 1])
            shape = K.int_shape(image)
        return array_ops.reshape(image, [shape[0], shape[1], shape[2], 1])
    if len(shape) == 1:
        return array_ops.reshape(image, [1, shape[0], 1, 1])
    return None
