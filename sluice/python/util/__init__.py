"""`tensorflow.python.util`: nest and deprecation."""
