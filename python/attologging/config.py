"""attologging.config -- the counterpart of ``logging.config``.

Status: placeholder.  ``dictConfig``, ``fileConfig``, ``listen`` and
``stopListening`` (and the configurator classes behind them) will be
implemented here in a later step, configuring ``attologging`` objects.
Nothing is defined yet; importing this module is safe and has no effect.
"""
