"""hil-export MODEL.onnx --calibration DATA [--labels labels.txt] -o model.hilm
             [--input-range unit|centered|raw | --input-mean M --input-std S] [--channel-order rgb|bgr|gray]
             [--min-agreement PERCENT] [--name NAME] [--json] [--limit N] [--test PATH [--test-limit N]]"""
import argparse
import json
import os
import sys
import tempfile

from . import calibrate, contract, graph, pipeline
from .errors import ExportError


def parser():
    p = argparse.ArgumentParser(prog="hil-export", description="Quantise an ONNX model to hil's int8 format.")
    p.add_argument("model", help="the ONNX file (as torch.onnx.export writes it, opset 13–18)")
    p.add_argument("--calibration", required=True,
                   help="inputs N×C×H×W or N×H×W×C in a .npy (float32 real values, or uint8 pixels with a pixel "
                        "mapping), a folder holding x.npy, or an image folder")
    p.add_argument("--labels", help="labels file, one per line (default: ONNX metadata 'labels', else 0, 1, …)")
    p.add_argument("-o", "--output", required=True, help="the .hilm file to write")
    p.add_argument("--input-range", choices=sorted(calibrate.PIXEL_RANGES),
                   help="how the model reads 8-bit pixels (docs/datasets.md): unit p/255, centered p/127.5−1, raw p; "
                        "recorded in the blob, so the bench needs no --pixels (default: the network takes real "
                        "values, quantised by the calibration's min/max)")
    p.add_argument("--input-mean", metavar="M[,M,M]",
                   help="with --input-std: torchvision's Normalize after ToTensor, x = (p/255 − mean)/std per "
                        "channel (ImageNet: 0.485,0.456,0.406), recorded in the blob as an affine pixel mapping")
    p.add_argument("--input-std", metavar="S[,S,S]", help="the std of --input-mean (ImageNet: 0.229,0.224,0.225)")
    p.add_argument("--channel-order", choices=("rgb", "bgr", "gray"),
                   help="the channel order the network was trained on (default: rgb for 3 channels, gray for 1); "
                        "the bench swaps decoded images' channels for bgr")
    p.add_argument("--min-agreement", type=float, default=pipeline.DEFAULT_MIN_AGREEMENT * 100, metavar="PERCENT",
                   help="refuse the export when int8 and float top-1 agree on fewer calibration samples "
                        "(default %(default).0f; 0 turns the check off)")
    p.add_argument("--name", help="model id stored in the blob (default: the file name)")
    p.add_argument("--limit", type=int, help="use only the first N calibration samples")
    p.add_argument("--test", metavar="PATH",
                   help="a labelled test set (image folder, flat <class>_test folder, .npy with labels beside it, or a "
                        "folder with x.npy and y.npy): report float and int8 top-1 on it, as `hilctl run` will measure")
    p.add_argument("--test-limit", type=int, metavar="N",
                   help="evaluate N test samples, classes dealt round-robin (the same samples as hilctl run --limit N)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    return p


def _floats(option, text):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ExportError(f"{option} {text}: give one number, or one per channel separated by commas") from None


def pixel_mapping(args, channels):
    """The pixel mapping the options name, or None (the network takes real values)."""
    if (args.input_mean is None) != (args.input_std is None):
        raise ExportError("--input-mean and --input-std go together: x = (p/255 − mean)/std")
    if args.input_mean is not None:
        if args.input_range is not None:
            raise ExportError("give either --input-range or --input-mean/--input-std, not both")
        return contract.Pixels.from_mean_std(_floats("--input-mean", args.input_mean),
                                             _floats("--input-std", args.input_std), channels)
    return contract.pixels_of(args.input_range)


def write_atomically(path, data):
    """Write to a temporary file beside `path`, then rename: a full disk or a kill leaves no
    half-written model that looks complete."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as e:
        raise ExportError(f"cannot write {path}: {e.strerror}; check that the folder exists and is writable") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ExportError(f"cannot write {path}: {e.strerror}; nothing was written") from None


def run(args):
    for option in ("limit", "test_limit"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise ExportError(f"--{option.replace('_', '-')} {value}: give 1 or more")
    if not 0 <= args.min_agreement <= 100:
        raise ExportError(f"--min-agreement {args.min_agreement:g}: give a percentage from 0 to 100")
    if os.path.isdir(args.output):
        raise ExportError(f"-o {args.output} is a folder; give the path of the .hilm file to write")
    g = graph.load(args.model)
    pix = pixel_mapping(args, g.input_shape[0])
    order = contract.channel_order(args.channel_order, g.input_shape[0])
    x = calibrate.load_calibration(args.calibration, g.input_shape, pix, args.limit, order)
    labels = pipeline.read_labels(args.labels) if args.labels else None
    if labels is not None:
        pipeline.check_labels(labels, args.labels)
    blob, summary = pipeline.export(args.model, x, labels=labels, name=args.name, input_range=pix,
                                    channel_order=args.channel_order, labels_source=args.labels,
                                    min_agreement=args.min_agreement / 100 if args.min_agreement > 0 else None)
    if args.test:
        summary["test"] = pipeline.evaluate(args.model, blob, args.test, pix, args.test_limit)
    write_atomically(args.output, blob)
    summary["file"] = args.output
    return summary


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        summary = run(args)
    except pipeline.AgreementError as e:
        if not args.json:
            print(pipeline.format_summary(e.summary), file=sys.stderr)
        print(f"hil-export: error: {e}", file=sys.stderr)
        return 1
    except ExportError as e:
        print(f"hil-export: error: {e}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"hil-export: error: out of memory exporting {args.model}; give fewer samples with --limit", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("hil-export: interrupted; nothing was written", file=sys.stderr)
        return 130
    print(json.dumps(summary, indent=2) if args.json else format_summary_with_file(summary))
    return 0


def format_summary_with_file(summary):
    return pipeline.format_summary(summary) + f"\nwrote {summary['file']}"


if __name__ == "__main__":
    sys.exit(main())
