"""hil-export MODEL.onnx --calibration calib.npy [--labels labels.txt] -o model.hilm
             [--input-range unit|centered|raw] [--name NAME] [--json] [--limit N] [--test PATH [--test-limit N]]"""
import argparse
import json
import sys

from . import calibrate, graph, pipeline
from .errors import ExportError


def parser():
    p = argparse.ArgumentParser(prog="hil-export", description="Quantise an ONNX model to hil's int8 format.")
    p.add_argument("model", help="the ONNX file (as torch.onnx.export writes it, opset 13–18)")
    p.add_argument("--calibration", required=True,
                   help="float inputs N×C×H×W in a .npy (or uint8 pixels with --input-range), or an image folder")
    p.add_argument("--labels", help="labels file, one per line (default: ONNX metadata 'labels', else 0, 1, …)")
    p.add_argument("-o", "--output", required=True, help="the .hilm file to write")
    p.add_argument("--input-range", choices=sorted(calibrate.PIXEL_RANGES),
                   help="how the model reads 8-bit pixels (docs/datasets.md): unit p/255, centered p/127.5−1, raw p; "
                        "sets the input quantisation so the bench's pixels map exactly (default: calibration min/max)")
    p.add_argument("--name", help="model id stored in the blob (default: the file name)")
    p.add_argument("--limit", type=int, help="use only the first N calibration samples")
    p.add_argument("--test", metavar="PATH",
                   help="a labelled test set (image folder, flat <class>_test folder, or uint8 .npy with labels): "
                        "report float and int8 top-1 on it, as `hilctl run` will measure (needs --input-range)")
    p.add_argument("--test-limit", type=int, metavar="N", help="evaluate only the first N test samples (as hilctl run --limit)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        g = graph.load(args.model)
        x = calibrate.load_calibration(args.calibration, g.input_shape, args.input_range, args.limit)
        labels = pipeline.read_labels(args.labels) if args.labels else None
        if args.test and args.input_range is None:
            raise ExportError("--test needs --input-range: how the bench turns the test images' pixels into inputs")
        blob, summary = pipeline.export(args.model, x, labels=labels, name=args.name, input_range=args.input_range)
        if args.test:
            summary["test"] = pipeline.evaluate(args.model, blob, args.test, args.input_range, args.test_limit)
    except (ExportError, OSError) as e:
        print(f"hil-export: error: {e}", file=sys.stderr)
        return 1
    with open(args.output, "wb") as f:
        f.write(blob)
    summary["file"] = args.output
    print(json.dumps(summary, indent=2) if args.json else format_summary_with_file(summary))
    return 0


def format_summary_with_file(summary):
    return pipeline.format_summary(summary) + f"\nwrote {summary['file']}"


if __name__ == "__main__":
    sys.exit(main())
