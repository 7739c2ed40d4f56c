"""get_optimizer_instance: an optimizer from a name ('Adagrad', 'Adam', 'Ftrl', 'RMSProp', 'SGD' with the
estimator's default learning rate), a callable returning one, or an instance (TF 1.15's canned/optimizers.py)."""
from sluice.training import optimizer as optimizer_lib

__all__ = ['get_optimizer_instance']


def _optimizer_classes():
    from sluice import train
    return {'Adagrad': train.AdagradOptimizer, 'Adam': train.AdamOptimizer, 'Ftrl': train.FtrlOptimizer,
            'RMSProp': train.RMSPropOptimizer, 'SGD': train.GradientDescentOptimizer}


def get_optimizer_instance(opt, learning_rate=None):
    if isinstance(opt, str):
        classes = _optimizer_classes()
        if opt in classes:
            if not learning_rate:
                raise ValueError('learning_rate must be specified when opt is string.')
            return classes[opt](learning_rate=learning_rate)
        raise ValueError('Unsupported optimizer name: {}. Supported names are: {}'.format(opt, tuple(sorted(classes))))
    if callable(opt) and not isinstance(opt, optimizer_lib.Optimizer):
        opt = opt()
    if not isinstance(opt, optimizer_lib.Optimizer):
        raise ValueError('The given object is not an Optimizer instance. Given: {}'.format(opt))
    return opt
