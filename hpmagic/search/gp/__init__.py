"""Gaussian-process search (``--algo gp``), one module per concept.

- :mod:`.kernel`: the Matérn-5/2 kernel over numbers and categories;
- :mod:`.model`: the GP, its hyperparameters fitted by marginal likelihood under priors;
- :mod:`.warp`: the losses as the GP is fitted to them;
- :mod:`.acquisition`: log expected improvement and its gradient;
- :mod:`.optimise`: maximising it over a mixed space, onto values the space holds;
- :mod:`.columns`: a space's dimensions as the GP's columns (via :mod:`hpmagic.search.encoding`);
- :mod:`.search`: the searcher a study asks and tells.
"""
