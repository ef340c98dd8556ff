"""`hygiene fix`: ignore lines, editor excludes and `git rm --cached`, planned, then written."""
