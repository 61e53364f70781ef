SBTRACE 1
header {"n":3}
r 010 1
batch 1 1 0
