#!/usr/bin/env python3
"""ONNX Runtime's dynamic int8 model of an ELECTRA model.onnx, written the way onnxruntime.quantization.quantize_dynamic
writes it (QuantFormat.QOperator, weight_type=QInt8, MatMulConstBOnly), with only Debian's python3-onnx and numpy:

  x --DynamicQuantizeLinear--> (x_q uint8, x_scale, x_zero_point)
  MatMulInteger(x_q, W_q int8, x_zero_point, W_zero_point = 0) -> int32 --Cast--> float
  Mul(that, Mul(x_scale, W_scale)) -> the MatMul's original output (the bias Add that follows is kept)

Weights: symmetric int8, zero point 0, codes in [-127, 127], scale = 2·max|w| / 254 (per tensor, or per output channel
with --per-channel), code = round-half-to-even(w / scale). ONNX Runtime fuses the pattern into DynamicQuantizeMatMul /
MatMulIntegerToFloat at ORT_ENABLE_ALL. Each activation is quantized once for all the MatMuls that read it (query,
key and value share one DynamicQuantizeLinear), as quantize_dynamic does.

The export stores each linear weight as [Out, In] behind a Transpose node; quantize_dynamic only quantizes MatMuls
whose B is an initializer, so those constant Transposes are folded first. By default only the encoder layers'
linears are quantized (what Electra.NET's int8 option quantizes: heads and the embeddings projection stay float32);
--all quantizes every MatMul with a constant B, quantize_dynamic's default.

  /usr/bin/python3 tools/quantize_onnx_int8.py ../shared/models/electra-small-random/model.onnx .build/ort-int8/model.onnx
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def fold_constant_transposes(graph):
    """Replaces Transpose(initializer) with the transposed initializer (what the MatMuls' B then is)."""
    inits = {i.name: i for i in graph.initializer}
    keep = []
    folded = 0
    for node in graph.node:
        if node.op_type == "Transpose" and node.input[0] in inits:
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
            value = numpy_helper.to_array(inits[node.input[0]])
            value = np.ascontiguousarray(np.transpose(value, perm) if perm else value.T)
            graph.initializer.append(numpy_helper.from_array(value, node.output[0]))
            folded += 1
        else:
            keep.append(node)
    del graph.node[:]
    graph.node.extend(keep)
    used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
    unused = [i for i in graph.initializer if i.name not in used]
    for i in unused:
        graph.initializer.remove(i)
    return folded


def quantize_weight(w, per_channel):
    """quantize_dynamic's QInt8 symmetric weights; w is B of the MatMul, [In, Out], so channels are columns."""
    w = w.astype(np.float32)
    absmax = np.abs(w).max(axis=0) if per_channel else np.float32(np.abs(w).max())
    scale = (2.0 * np.asarray(absmax, dtype=np.float64) / 254.0).astype(np.float32)
    scale = np.where(scale == 0, np.float32(1.0), scale).astype(np.float32)
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("output")
    ap.add_argument("--per-channel", action="store_true", help="one weight scale per output channel")
    ap.add_argument("--all", action="store_true", help="quantize every MatMul with a constant B (heads too)")
    args = ap.parse_args()

    model = onnx.load(args.model)  # external data (offsets into model.safetensors) is read from beside the file
    graph = model.graph
    folded = fold_constant_transposes(graph)
    inits = {i.name: i for i in graph.initializer}

    nodes = []
    quantized_inputs = {}  # activation name -> (q, scale, zero point)
    count = 0
    for node in graph.node:
        wanted = node.op_type == "MatMul" and node.input[1] in inits and (args.all or "/encoder/layer." in node.name)
        if not wanted:
            nodes.append(node)
            continue
        x, b = node.input
        if x not in quantized_inputs:
            names = (x + "_quantized", x + "_scale", x + "_zero_point")
            nodes.append(helper.make_node("DynamicQuantizeLinear", [x], list(names), x + "_QuantizeLinear"))
            quantized_inputs[x] = names
        xq, xs, xz = quantized_inputs[x]

        q, scale = quantize_weight(numpy_helper.to_array(inits[b]), args.per_channel)
        graph.initializer.remove(inits.pop(b))
        zero = np.zeros(scale.shape, dtype=np.int8)
        graph.initializer.extend([numpy_helper.from_array(q, b + "_quantized"),
                                  numpy_helper.from_array(np.asarray(scale, dtype=np.float32), b + "_scale"),
                                  numpy_helper.from_array(zero, b + "_zero_point")])
        name = node.name + "_quant"
        out = node.output[0] + "_output_quantized"
        nodes.append(helper.make_node("MatMulInteger", [xq, b + "_quantized", xz, b + "_zero_point"], [out], name))
        nodes.append(helper.make_node("Cast", [out], [out + "_cast_output"], out + "_cast", to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Mul", [xs, b + "_scale"], [name + "_scales_mul:0"], name + "_scales_mul"))
        nodes.append(helper.make_node("Mul", [out + "_cast_output", name + "_scales_mul:0"], [node.output[0]],
                                      name + "_output_scale_mul"))
        count += 1

    del graph.node[:]
    graph.node.extend(nodes)
    # Every tensor inline: the output need not sit beside model.safetensors.
    for init in graph.initializer:
        if init.data_location == TensorProto.EXTERNAL:
            init.data_location = TensorProto.DEFAULT
            del init.external_data[:]
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    onnx.save(model, args.output)
    print(f"{args.output}: folded {folded} Transposes, quantized {count} MatMuls "
          f"({'per channel' if args.per_channel else 'per tensor'}), {len(quantized_inputs)} DynamicQuantizeLinear",
          file=sys.stderr)


if __name__ == "__main__":
    main()
