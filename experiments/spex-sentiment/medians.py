# Medians of held-out R² per (label, budget) from results/spex-sentiment/runs.csv,
# over all files and over files 1-5 (the subset of shapiq's published comparison).
import csv, statistics, sys, re
path = sys.argv[1] if len(sys.argv) > 1 else 'results/spex-sentiment/runs.csv'
rows = list(csv.DictReader(open(path)))
def med(sel):
    v = [float(r['r2_heldout']) for r in sel]
    return statistics.median(v) if v else float('nan')
keys = sorted({(r['label'], int(r['budget'])) for r in rows})
print('%-34s %7s %9s %9s %9s' % ('label', 'budget', 'queries', 'all 20', 'files 1-5'))
for lab, b in keys:
    sel = [r for r in rows if r['label'] == lab and int(r['budget']) == b and r['status'] == 'ok']
    first = [r for r in sel if int(re.search(r'mask_(\d+)-n', r['dataset']).group(1)) <= 5]
    q = statistics.median(float(r['queries_used']) for r in sel)
    print('%-34s %7d %9.0f %9.4f %9.4f' % (lab, b, q, med(sel), med(first)))
