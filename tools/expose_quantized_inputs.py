#!/usr/bin/env python3
"""A copy of an int8 model written by quantize_onnx_int8.py in which every DynamicQuantizeLinear's input (float) and,
with --codes, its outputs (uint8 codes, scale, zero point) are also graph outputs, in graph order, after the model's
own outputs. The int8-divergence benchmark reads them to compare ONNX Runtime's int8 forward with ours at each
quantized linear's input. Exposing the codes keeps ONNX Runtime from fusing DynamicQuantizeLinear into
DynamicQuantizeMatMul; both run the same parameter and quantize routines, which the benchmark checks by comparing the
logits of the two copies.

With --like INT8MODEL the model is a float32 one (model.onnx) and the tensors exposed are those the int8 model
quantizes (the same names in both exports): float32 against float32 at the same points, for the size of the rounding
noise alone.

  /usr/bin/python3 tools/expose_quantized_inputs.py .build/ort-int8/model.onnx .build/ort-int8/exposed.onnx [--codes]
  /usr/bin/python3 tools/expose_quantized_inputs.py ../shared/models/electra-small-random/model.onnx \
      .build/ort-int8/float-exposed.onnx --like .build/ort-int8/model.onnx
"""
import argparse
import sys

import onnx
from onnx import TensorProto, helper


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--codes", action="store_true", help="also expose the codes, scale and zero point")
    ap.add_argument("--like", help="an int8 model whose quantized inputs to expose in this float32 model")
    args = ap.parse_args()
    model = onnx.load(args.model)
    graph = model.graph
    exposed = 0
    if args.like:
        like = onnx.load(args.like)
        for node in like.graph.node:
            if node.op_type == "DynamicQuantizeLinear":
                graph.output.append(helper.make_tensor_value_info(node.input[0], TensorProto.FLOAT, None))
                exposed += 1
        # Every tensor inline: the copy need not sit beside model.safetensors.
        for init in graph.initializer:
            if init.data_location == TensorProto.EXTERNAL:
                init.data_location = TensorProto.DEFAULT
                del init.external_data[:]
    for node in graph.node if not args.like else []:
        if node.op_type != "DynamicQuantizeLinear":
            continue
        graph.output.append(helper.make_tensor_value_info(node.input[0], TensorProto.FLOAT, None))
        if args.codes:
            graph.output.append(helper.make_tensor_value_info(node.output[0], TensorProto.UINT8, None))
            graph.output.append(helper.make_tensor_value_info(node.output[1], TensorProto.FLOAT, None))
            graph.output.append(helper.make_tensor_value_info(node.output[2], TensorProto.UINT8, None))
        exposed += 1
    onnx.save(model, args.output)
    print(f"{args.output}: exposed {exposed} DynamicQuantizeLinear inputs{' and outputs' if args.codes else ''}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
