"""`hygiene browse`: the interactive list. `rows.py` is the model (pure: findings in,
visible rows out), `session.py` drives the engine for it (scan, act, restore, fix) without any
UI, and `ui/` is the Textual app, the only place that imports textual."""
