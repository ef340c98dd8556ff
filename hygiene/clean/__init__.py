"""Collection: plan, safety checks, acting through the quarantine or the incinerator, the audit."""
