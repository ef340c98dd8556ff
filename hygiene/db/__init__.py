"""Local dev database cleanup (the sewage plant): inspect, retain, archive, erase, vacuum."""
