#!/usr/bin/env python3
"""Export transformers' reference outputs of an ELECTRA model in Electra.NET's fixture format.

Writes, into OUT_DIR, exactly what `electra validate --reference OUT_DIR` reads (the format of the shared fixtures):

  config.json, model.safetensors    the model as save_pretrained writes it (float32)
  vocab.txt, tokenizer_config.json  the tokenizer, when the model has one
  inputs.json                       input_ids, attention_mask, token_type_ids (+ position_ids, labels, ...)
  reference.safetensors             every output as float32: logits (or start_logits/end_logits,
                                    last_hidden_state), loss [1] when labels were given,
                                    hidden_states.0..L and attentions.0..L-1
  case.json                         class, tolerance, shapes, versions

Needs torch, transformers and safetensors (pip install torch transformers safetensors). Examples:

  python tools/export_reference.py google/electra-small-discriminator out/small \
      --text "The quick brown fox fake over the lazy dog." --text "A second, longer sentence to pad the batch."
  python tools/export_reference.py ./my-model out/my-model --inputs inputs.json --class ElectraForMultipleChoice
  electra validate --reference out/small
"""
import argparse
import json
import os
import sys

MAIN_OUTPUTS = {
    "ElectraModel": ["last_hidden_state"],
    "ElectraForPreTraining": ["logits"],
    "ElectraForMaskedLM": ["logits"],
    "ElectraForCausalLM": ["logits"],
    "ElectraForSequenceClassification": ["logits"],
    "ElectraForTokenClassification": ["logits"],
    "ElectraForQuestionAnswering": ["start_logits", "end_logits"],
    "ElectraForMultipleChoice": ["logits"],
}
INT_INPUTS = ["input_ids", "attention_mask", "token_type_ids", "position_ids", "start_positions", "end_positions"]
ALL_INPUTS = INT_INPUTS + ["labels"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="model folder or hub id (anything from_pretrained accepts)")
    p.add_argument("out_dir", help="folder to write (created; existing files with the same names are replaced)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", action="append", help="a text to encode (repeat for a batch)")
    src.add_argument("--inputs", help="an inputs.json in the fixture format to use as is (needed for multiple choice)")
    p.add_argument("--pair", action="append", help="second segment for the text at the same position (repeat)")
    p.add_argument("--max-length", type=int, default=None, help="truncate encoded texts to this many tokens")
    p.add_argument("--class", dest="class_name", default=None,
                   help="transformers class to run (default: config.json's architectures[0], else ElectraModel)")
    p.add_argument("--abs", type=float, default=1e-4, help="absolute tolerance written to case.json (default 1e-4)")
    p.add_argument("--rel", type=float, default=1e-4, help="relative tolerance written to case.json (default 1e-4)")
    p.add_argument("--keep-attentions", default=None,
                   help="comma-separated layer indices whose attentions to store (default: all), e.g. 0,11")
    p.add_argument("--seed", type=int, default=0, help="torch.manual_seed before loading (recorded in case.json)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1 makes the run reproducible bit for bit)")
    p.add_argument("--float64-check", action="store_true",
                   help="also run the model in float64 and record the largest float32-vs-float64 difference")
    p.add_argument("--description", default=None, help="free text stored in case.json")
    args = p.parse_args(argv)
    if args.pair is not None and args.text is not None and len(args.pair) != len(args.text):
        p.error(f"--pair given {len(args.pair)} times but --text {len(args.text)} times")
    if args.pair is not None and args.inputs is not None:
        p.error("--pair goes with --text, not with --inputs")
    return args


def load_inputs_json(path, torch):
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    unknown = sorted(set(raw) - set(ALL_INPUTS))
    if unknown:
        sys.exit(f"{path}: unknown inputs {unknown}; expected some of {ALL_INPUTS}")
    if "input_ids" not in raw:
        sys.exit(f"{path}: input_ids is required")
    tensors = {}
    for key, value in raw.items():
        t = torch.tensor(value)
        # Integer labels stay int64; labels written with a fraction are float32 (regression, multi-label).
        tensors[key] = t.to(torch.float32) if t.is_floating_point() else t.to(torch.int64)
    return tensors


def encode_texts(tokenizer, args):
    kwargs = dict(padding=True, return_tensors="pt", return_token_type_ids=True, return_attention_mask=True)
    if args.max_length is not None:
        kwargs.update(truncation=True, max_length=args.max_length)
    enc = tokenizer(args.text, args.pair, **kwargs) if args.pair else tokenizer(args.text, **kwargs)
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def to_json_value(t):
    return t.tolist()


def run(model, inputs, torch):
    with torch.no_grad():
        kwargs = dict(inputs)
        kwargs.update(output_hidden_states=True, output_attentions=True, return_dict=True)
        if model.config.is_decoder:
            kwargs["use_cache"] = False
        return model(**kwargs)


def collect(outputs, class_name, keep_attentions, torch):
    tensors = {}
    for name in MAIN_OUTPUTS[class_name]:
        tensors[name] = getattr(outputs, name)
    if getattr(outputs, "loss", None) is not None:
        tensors["loss"] = outputs.loss.reshape(1)
    for i, h in enumerate(outputs.hidden_states):
        tensors[f"hidden_states.{i}"] = h
    for i, a in enumerate(outputs.attentions):
        if keep_attentions is None or i in keep_attentions:
            tensors[f"attentions.{i}"] = a
    return {k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()}


def main(argv):
    args = parse_args(argv)
    try:
        import torch
        import transformers
        from safetensors.torch import save_file
    except ImportError as e:
        sys.exit(f"export_reference.py needs torch, transformers and safetensors: {e}")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = transformers.AutoConfig.from_pretrained(args.model)
    if config.model_type != "electra":
        sys.exit(f"{args.model}: model_type is '{config.model_type}', not 'electra'")
    class_name = args.class_name or ((config.architectures or ["ElectraModel"])[0])
    if class_name not in MAIN_OUTPUTS:
        sys.exit(f"unknown class '{class_name}': expected one of {', '.join(MAIN_OUTPUTS)}")
    model_class = getattr(transformers, class_name)
    try:
        # Attention probabilities are only returned by the eager implementation.
        model = model_class.from_pretrained(args.model, torch_dtype=torch.float32, attn_implementation="eager")
    except TypeError:  # transformers older than 4.36 has no attn_implementation
        model = model_class.from_pretrained(args.model, torch_dtype=torch.float32)
    model.eval()

    if args.inputs:
        inputs = load_inputs_json(args.inputs, torch)
    else:
        if class_name == "ElectraForMultipleChoice":
            sys.exit("ElectraForMultipleChoice needs [batch, choices, seq] inputs: pass --inputs inputs.json")
        tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
        inputs = encode_texts(tokenizer, args)

    keep = None if args.keep_attentions is None else {int(i) for i in args.keep_attentions.split(",") if i.strip()}
    outputs = run(model, inputs, torch)
    reference = collect(outputs, class_name, keep, torch)

    float64_diff = None
    if args.float64_check:
        import copy
        double_model = copy.deepcopy(model).double()
        double_inputs = {k: (v.double() if v.is_floating_point() else v) for k, v in inputs.items()}
        double_ref = collect(run(double_model, double_inputs, torch), class_name, keep, torch)
        float64_diff = max(float((reference[k].double() - double_ref[k].double()).abs().max()) for k in reference
                           if reference[k].numel() > 0)

    os.makedirs(args.out_dir, exist_ok=True)
    model.save_pretrained(args.out_dir, safe_serialization=True)
    try:
        transformers.AutoTokenizer.from_pretrained(args.model).save_pretrained(args.out_dir)
    except Exception as e:  # a model without a tokenizer still validates from inputs.json
        print(f"note: no tokenizer saved ({e})", file=sys.stderr)

    with open(os.path.join(args.out_dir, "inputs.json"), "w", encoding="utf-8") as f:
        json.dump({k: to_json_value(v) for k, v in inputs.items()}, f, separators=(",", ":"))
    version = transformers.__version__
    commit = os.environ.get("TRANSFORMERS_COMMIT")
    metadata = {"format": "pt", "transformers_version": version, "case": os.path.basename(os.path.normpath(args.out_dir))}
    if commit:
        metadata["transformers_commit"] = commit
    save_file(reference, os.path.join(args.out_dir, "reference.safetensors"), metadata=metadata)

    case = {
        "class": class_name,
        "seed": args.seed,
        "tolerance": {"abs": args.abs, "rel": args.rel},
        "description": args.description or f"{class_name} from {args.model}",
        "inputs": {k: {"shape": list(v.shape), "dtype": "float32" if v.is_floating_point() else "int64"}
                   for k, v in inputs.items()},
        "outputs": {k: list(v.shape) for k, v in reference.items()},
        "generator": {"transformers_version": version, "transformers_commit": commit,
                      "torch_version": torch.__version__, "script": "tools/export_reference.py"},
    }
    if float64_diff is not None:
        case["float64_max_abs_diff"] = float64_diff
    if keep is not None:
        case["attentions_kept"] = sorted(keep)
    with open(os.path.join(args.out_dir, "case.json"), "w", encoding="utf-8") as f:
        json.dump(case, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out_dir}: {class_name}, {len(reference)} reference tensors; "
          f"check with: electra validate --reference {args.out_dir}")


if __name__ == "__main__":
    main(sys.argv[1:])
