#!/usr/bin/env python3
"""Hugging Face models behind the spexbench live-model protocol.

Explains one input (a text) by ablating its units (words or sentences).  Two tasks:

  classify  a sequence classifier (AutoModelForSequenceClassification); the value is the
            logit (default), log-probability, probability or margin of one class
  lm        a causal LM (AutoModelForCausalLM); the value is the log-probability of a
            target answer (sum over its tokens) after a prompt built from the masked text

Protocol (docs/TRACE_FORMAT.md, "Live models"): read masks, one per line as n '0'/'1'
characters (character i = unit i, '1' = kept), until an empty line; print one value per
mask, in order, one per line, then an empty line; flush; repeat until end of input.  Logs go
to stderr.

Needs torch and transformers and, in practice, a GPU and the model weights (downloaded by
transformers on first use); CI does not run it.  Examples:

  # how many units, and a header file for the recording (feature names, value meaning)
  python3 hf_adapter.py --task classify --model lvwerra/distilbert-imdb \
      --text "The movie was not good at all" --describe header.json

  # explain it (spexbench starts the adapter; every answer is recorded in rec.sbt.gz)
  spexbench fit --algo faith-banzhaf:order=2 --budget 2000 --dataset \
    "command:cmd=python3 experiments/adapters/hf_adapter.py --task classify --model lvwerra/distilbert-imdb --text-file review.txt,n=7,trace=rec.sbt.gz,header=header.json,batch=64"

  # a causal LM: log-probability of " positive" after the prompt
  python3 hf_adapter.py --task lm --model meta-llama/Llama-3.2-1B --text-file review.txt \
      --unit sentence --prompt "Review: {text}\\nSentiment (positive or negative):" \
      --target " positive" --describe header.json

The spec's cmd cannot contain commas (the spec is key=value,...): put the text in a file
(--text-file) and long commands in a shell script.
"""
import argparse
import json
import math
import re
import sys


def split_units(text, unit):
    if unit == "word":
        return text.split()
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p for p in parts if p]


def masked_text(units, mask, masking, mask_token, unit):
    out = []
    for u, keep in zip(units, mask):
        if keep == "1":
            out.append(u)
        elif masking == "mask":
            out.append(mask_token)
    return " ".join(out)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--task", choices=["classify", "lm"], required=True)
    ap.add_argument("--model", required=True, help="Hugging Face model name or local path")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--text", help="the input to explain")
    g.add_argument("--text-file", help="file holding the input to explain")
    ap.add_argument("--unit", choices=["word", "sentence"], default="word",
                    help="what a feature is (default: word)")
    ap.add_argument("--masking", choices=["mask", "remove"], default=None,
                    help="replace a removed unit by the mask token, or drop it "
                         "(default: mask for classify when the tokenizer has one, else remove)")
    ap.add_argument("--label", default=None,
                    help="classify: class index or name (default: the class predicted on the full input)")
    ap.add_argument("--output", choices=["logit", "logprob", "prob", "margin"], default="logit",
                    help="classify: value reported for the class (margin = logit minus the "
                         "largest other logit)")
    ap.add_argument("--prompt", default="{text}",
                    help="lm: prompt template; {text} is replaced by the masked text")
    ap.add_argument("--target", default=None, help="lm: answer whose log-probability is reported")
    ap.add_argument("--device", default=None, help="cuda, cuda:1, cpu (default: cuda if available)")
    ap.add_argument("--dtype", choices=["float32", "float16", "bfloat16"], default="float32")
    ap.add_argument("--batch-size", type=int, default=32, help="forward-pass batch size")
    ap.add_argument("--describe", metavar="FILE",
                    help="write the trace header (n, feature_names, value_meaning, model, input, "
                         "masking) as JSON to FILE and exit (loads no model)")
    ap.add_argument("--print-n", action="store_true", help="print the number of units and exit")
    a = ap.parse_args(argv)
    if a.task == "lm" and not a.target:
        ap.error("--task lm needs --target")
    return a


class Model:
    def __init__(self, a):
        import torch
        from transformers import (AutoModelForCausalLM, AutoModelForSequenceClassification,
                                  AutoTokenizer)
        self.torch = torch
        self.a = a
        self.device = a.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = getattr(torch, a.dtype)
        self.tok = AutoTokenizer.from_pretrained(a.model)
        if a.task == "classify":
            self.model = AutoModelForSequenceClassification.from_pretrained(a.model, torch_dtype=dtype)
        else:
            self.model = AutoModelForCausalLM.from_pretrained(a.model, torch_dtype=dtype)
            if self.tok.pad_token is None:
                self.tok.pad_token = self.tok.eos_token
            self.tok.padding_side = "right"
        self.model.to(self.device).eval()
        self.label = None

    def set_label(self, full_text):
        a = self.a
        if a.label is None:
            self.label = int(self.classify_logits([full_text])[0].argmax())
        elif a.label.lstrip("-").isdigit():
            self.label = int(a.label)
        else:
            l2i = {v: int(k) for k, v in self.model.config.id2label.items()}
            if a.label not in l2i:
                raise SystemExit(f"hf_adapter: unknown label {a.label!r} (labels: {sorted(l2i)})")
            self.label = l2i[a.label]
        sys.stderr.write(f"hf_adapter: explaining class {self.label} "
                         f"({self.model.config.id2label.get(self.label, '?')})\n")

    def classify_logits(self, texts):
        torch = self.torch
        with torch.no_grad():
            enc = self.tok(texts, return_tensors="pt", padding=True, truncation=True).to(self.device)
            return self.model(**enc).logits.float().cpu()

    def classify_values(self, texts):
        logits = self.classify_logits(texts)
        c = self.label
        if self.a.output == "logit":
            v = logits[:, c]
        elif self.a.output == "logprob":
            v = logits.log_softmax(-1)[:, c]
        elif self.a.output == "prob":
            v = logits.softmax(-1)[:, c]
        else:
            other = logits.clone()
            other[:, c] = -float("inf")
            v = logits[:, c] - other.max(-1).values
        return [float(x) for x in v]

    def lm_values(self, texts):
        """Sum of log p(target tokens | prompt(text))."""
        torch = self.torch
        prompts = [self.a.prompt.replace("{text}", t) for t in texts]
        target_ids = self.tok(self.a.target, add_special_tokens=False)["input_ids"]
        seqs, starts = [], []
        for p in prompts:
            ids = self.tok(p)["input_ids"]
            starts.append(len(ids))
            seqs.append(ids + target_ids)
        width = max(len(s) for s in seqs)
        pad = self.tok.pad_token_id
        input_ids = torch.full((len(seqs), width), pad, dtype=torch.long)
        attn = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            input_ids[i, :len(s)] = torch.tensor(s)
            attn[i, :len(s)] = 1
        with torch.no_grad():
            logits = self.model(input_ids=input_ids.to(self.device),
                                attention_mask=attn.to(self.device)).logits.float()
            logp = logits.log_softmax(-1).cpu()
        out = []
        for i, st in enumerate(starts):
            total = 0.0
            for j, t in enumerate(target_ids):
                total += float(logp[i, st + j - 1, t])  # token at st+j predicted at st+j-1
            out.append(total)
        return out

    def values(self, texts):
        res = []
        bs = max(1, self.a.batch_size)
        for i in range(0, len(texts), bs):
            chunk = texts[i:i + bs]
            res.extend(self.classify_values(chunk) if self.a.task == "classify" else self.lm_values(chunk))
        return res


def value_meaning(a):
    if a.task == "classify":
        return f"{a.output} of class {a.label if a.label is not None else '(predicted on the full input)'}"
    return f"log-probability of {a.target!r} after prompt {a.prompt!r}"


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    text = a.text if a.text is not None else open(a.text_file, encoding="utf-8").read()
    units = split_units(text, a.unit)
    n = len(units)
    if n == 0:
        raise SystemExit("hf_adapter: the input has no units")
    masking = a.masking or ("mask" if a.task == "classify" else "remove")
    if a.print_n:
        print(n)
        return 0
    if a.describe:
        header = {"n": n, "feature_names": units, "value_meaning": value_meaning(a),
                  "model": a.model, "input": text,
                  "masking": f"{a.unit}s {'replaced by the mask token' if masking == 'mask' else 'removed'}"}
        with open(a.describe, "w", encoding="utf-8") as f:
            json.dump(header, f, ensure_ascii=False)
        sys.stderr.write(f"hf_adapter: n = {n} {a.unit}s; header written to {a.describe}\n")
        return 0
    m = Model(a)
    mask_token = m.tok.mask_token or m.tok.unk_token or ""
    if masking == "mask" and not m.tok.mask_token:
        sys.stderr.write("hf_adapter: tokenizer has no mask token; using "
                         f"{mask_token!r} (consider --masking remove)\n")
    if a.task == "classify":
        m.set_label(text)
    batch = []
    for line in sys.stdin:
        line = line.strip()
        if line:
            if len(line) != n or set(line) - {"0", "1"}:
                sys.stderr.write(f"hf_adapter: bad mask {line[:80]!r}: expected {n} characters 0/1\n")
                return 2
            batch.append(line)
            continue
        texts = [masked_text(units, mk, masking, mask_token, a.unit) for mk in batch]
        vals = m.values(texts)
        out = []
        for v in vals:
            if not math.isfinite(v):
                sys.stderr.write(f"hf_adapter: non-finite value {v}\n")
            out.append(repr(float(v)))
        sys.stdout.write("".join(s + "\n" for s in out) + "\n")
        sys.stdout.flush()
        batch = []
    return 0


if __name__ == "__main__":
    sys.exit(main())
