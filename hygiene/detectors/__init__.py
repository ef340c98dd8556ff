"""Part 2 detectors (issue 3): one module per finding kind, listed explicitly below."""
