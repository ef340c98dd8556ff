"""Local dev database cleanup (the sewage plant): inspect, retention rules, archive, erase, vacuum."""
