"""The survey: walk the roots, size what is found, judge it by the rule table, veto what is kept."""
