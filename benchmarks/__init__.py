"""Benchmarks of hpmagic against hyperopt, Optuna and scikit-learn (``python benchmarks/run.py``)."""
