"""The PyTorch side of tools/gpu-bench.sh: transformers' ElectraModel on CUDA, eager, on the same weights and shapes as
`electra bench`, one JSON line per measurement with the ratio electra/torch at the same shape and precision."""
import argparse
import json
import time

import torch
from transformers import ElectraModel

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--ours", help="electra's JSON lines (step 'electra') to compute ratios against")
args = parser.parse_args()

ours = {}
if args.ours:
    for line in open(args.ours):
        row = json.loads(line)
        result = row.get("result", {})
        if "ms_median" in result:
            ours[(row["precision"], row["batch"], row["seq"])] = result["ms_median"]

device = torch.device("cuda")
name = torch.cuda.get_device_name(device)
for dtype_name, dtype in (("f32", torch.float32), ("f16", torch.float16), ("bf16", torch.bfloat16)):
    model = ElectraModel.from_pretrained(args.model, torch_dtype=dtype, attn_implementation="eager").to(device).eval()
    for batch, seq, iterations in ((1, 128, 40), (32, 128, 20), (8, 512, 20)):
        generator = torch.Generator().manual_seed(batch * 1000 + seq)
        ids = torch.randint(1000, 30000, (batch, seq), generator=generator).to(device)
        ids[:, 0] = 101
        times = []
        with torch.inference_mode():
            for i in range(5 + iterations):
                torch.cuda.synchronize()
                start = time.perf_counter()
                model(input_ids=ids)
                torch.cuda.synchronize()
                if i >= 5:
                    times.append((time.perf_counter() - start) * 1000)
        times.sort()
        median = times[len(times) // 2]
        row = {"step": "torch", "gpu": name, "precision": dtype_name, "batch": batch, "seq": seq,
               "ms_median": round(median, 3), "ms_min": round(times[0], 3), "torch": torch.__version__}
        key = (dtype_name if dtype_name != "bf16" else "f16", batch, seq)
        if key in ours:
            row["electra_ms_median"] = ours[key]
            row["ratio"] = round(ours[key] / median, 3)
        print(json.dumps(row), flush=True)
    del model
    torch.cuda.empty_cache()
