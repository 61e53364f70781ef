SBTRACE 1
header {"n": 3, "feature_names": ["a","b","c"], "value_meaning": "logit"}
r 010 1
r 011 -2.5e-3
batch 2 2 e6f9d4a3
