"""Estimator.export_saved_model: the PREDICT graph of a model_fn written as a SavedModel, as TF 1.15.

In a fresh graph (global step, graph seed): serving_input_receiver_fn() gives the receiver tensors and
the features; model_fn(PREDICT) gives export_outputs (by default a PredictOutput of the predictions
under 'serving_default'); each output becomes a SignatureDef over the receiver tensors (and over each
receiver_tensors_alternative, keyed 'alternative:output'), keeping those TF Serving can serve. A
session restores the checkpoint with the scaffold's saver, and SavedModelBuilder writes the graph
(tags ['serve'], main op: the scaffold's local init op) into export_dir_base/temp-<timestamp>, which
is renamed to export_dir_base/<timestamp> once complete (assets_extra copied into assets.extra/).
"""
import logging
import os
import shutil
import time

from sluice.compat import as_bytes
from sluice.engine import errors
from sluice.engine import graph as _graph
from sluice.engine.graph import GraphKeys
from sluice.engine.session import Session
from sluice.estimator.mode_keys import ModeKeys
from sluice.io.saver import Saver
from sluice.saved_model import signature_def_utils, tag_constants
from sluice.saved_model.builder import SavedModelBuilder
from sluice.saved_model.signature_constants import DEFAULT_SERVING_SIGNATURE_DEF_KEY
from sluice.training import monitored_session

_log = logging.getLogger('sluice')

MAX_DIRECTORY_CREATION_ATTEMPTS = 10


def get_timestamped_export_dir(export_dir_base):
    """export_dir_base/<seconds since the epoch> (bytes), waiting a second while that exists."""
    for attempt in range(1, MAX_DIRECTORY_CREATION_ATTEMPTS + 1):
        result = os.path.join(as_bytes(os.fspath(export_dir_base)), as_bytes(str(int(time.time()))))
        if not os.path.exists(result):
            return result
        time.sleep(1)
        _log.warning('Directory %s already exists; retrying (attempt %d/%d)', result, attempt,
                     MAX_DIRECTORY_CREATION_ATTEMPTS)
    raise RuntimeError('Failed to obtain a unique export directory name after %d attempts.'
                       % MAX_DIRECTORY_CREATION_ATTEMPTS)


def get_temp_export_dir(timestamped_export_dir):
    dirname, basename = os.path.split(timestamped_export_dir)
    return os.path.join(as_bytes(dirname), b'temp-' + as_bytes(basename))


def build_all_signature_defs(receiver_tensors, export_outputs, receiver_tensors_alternatives=None,
                             serving_only=True):
    """{signature name: SignatureDef}; outputs that cannot be signed over these inputs are left out (logged)."""
    if not isinstance(receiver_tensors, dict):
        receiver_tensors = {'input': receiver_tensors}
    if not isinstance(export_outputs, dict):
        raise ValueError('export_outputs must be a dict and not{}'.format(type(export_outputs)))
    inputs_by_prefix = [('', receiver_tensors)]
    for name, alternative in (receiver_tensors_alternatives or {}).items():
        if not isinstance(alternative, dict):
            alternative = {'input': alternative}
        inputs_by_prefix.append(('{}:'.format(name or 'None'), alternative))
    signatures, excluded = {}, {}
    for prefix, inputs in inputs_by_prefix:
        for output_key, export_output in export_outputs.items():
            signature_name = prefix + '{}'.format(output_key or 'None')
            try:
                signatures[signature_name] = export_output.as_signature_def(inputs)
            except ValueError as e:
                excluded[signature_name] = str(e)
    for name, reason in excluded.items():
        _log.info("Signature '%s' EXCLUDED from export: %s", name, reason)
    if not signatures:
        _log.warning('Export includes no signatures!')
    elif DEFAULT_SERVING_SIGNATURE_DEF_KEY not in signatures:
        _log.warning('Export includes no default signature!')
    if serving_only:
        signatures = {k: v for k, v in signatures.items() if signature_def_utils.is_valid_signature(v)}
    return signatures


def export_saved_model(estimator, export_dir_base, serving_input_receiver_fn, assets_extra=None, as_text=False,
                       checkpoint_path=None, strip_default_attrs=True):
    """Writes the SavedModel of `estimator`'s latest (or the given) checkpoint; returns its path as bytes."""
    if serving_input_receiver_fn is None:
        raise ValueError('An input_receiver_fn must be defined.')
    if not checkpoint_path:
        checkpoint_path = estimator.latest_checkpoint()
    if not checkpoint_path:
        raise ValueError("Couldn't find trained model at {}.".format(estimator.model_dir))
    export_dir = get_timestamped_export_dir(export_dir_base)
    temp_export_dir = get_temp_export_dir(export_dir)
    builder = SavedModelBuilder(temp_export_dir)
    _add_predict_meta_graph(estimator, builder, serving_input_receiver_fn, checkpoint_path, strip_default_attrs)
    builder.save(as_text)
    if assets_extra:
        extra_dir = os.path.join(os.fsdecode(temp_export_dir), 'assets.extra')
        for dest_relative, source in assets_extra.items():
            dest = os.path.join(extra_dir, os.fsdecode(dest_relative))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copyfile(os.fsdecode(source), dest)
    os.rename(temp_export_dir, export_dir)
    return export_dir


def _add_predict_meta_graph(estimator, builder, serving_input_receiver_fn, checkpoint_path, strip_default_attrs):
    with _graph.Graph().as_default() as g:
        estimator._new_graph(g)  # pylint: disable=protected-access
        receiver = serving_input_receiver_fn()
        spec = estimator._call_model_fn(receiver.features, getattr(receiver, 'labels', None),  # pylint: disable=protected-access
                                        ModeKeys.PREDICT, estimator.config)
        signature_def_map = build_all_signature_defs(receiver.receiver_tensors, spec.export_outputs,
                                                     getattr(receiver, 'receiver_tensors_alternatives', None))
        with Session(graph=g, config=estimator.config.session_config) as session:
            local_init_op = spec.scaffold.local_init_op
            if local_init_op is None:
                local_init_op = monitored_session.Scaffold.default_local_init_op()
            saver = spec.scaffold.saver or Saver(sharded=True)
            try:
                saver.restore(session, checkpoint_path)
            except errors.NotFoundError as e:
                raise ValueError('Could not load all requested variables from checkpoint. Please make sure your '
                                 'model_fn does not expect variables that were not saved in the checkpoint.\n\n'
                                 'Encountered error with mode `infer` while restoring checkpoint from: `{}`. Full '
                                 'Traceback:\n\n{}'.format(checkpoint_path, e)) from None
            builder.add_meta_graph_and_variables(
                session, [tag_constants.SERVING], signature_def_map=signature_def_map,
                assets_collection=g.get_collection(GraphKeys.ASSET_FILEPATHS), main_op=local_init_op,
                saver=saver, strip_default_attrs=strip_default_attrs)
