"""TF 1.15's Keras optimizers (OptimizerV2 and its subclasses) and learning-rate schedules."""
