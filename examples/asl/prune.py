"""Channel-prunes the trained original VGG to the pruned widths (vgg.PRUNED) and fine-tunes it.

    python3 examples/asl/prune.py [--epochs 30]          # after train.py; ~10 min on 2 CPU cores
    python3 examples/asl/prune.py --data asl_alphabet_train/asl_alphabet_train   # Kaggle's set

Structured (channel) pruning, so the result is a plain smaller VGG that any runtime runs at its
full speed, with no sparse kernels:
1. Rank every convolution's output channels by how much they can pass on: the L1 norm of the
   filter times the BatchNorm gain |γ| / sqrt(var + ε) that scales it. Keep the top-k of each layer
   (k from vgg.PRUNED), in their original order.
2. Cut the next layer's input channels to match; the first dense layer's inputs are the flattened
   C×2×2 features, so each kept channel keeps its 4 columns. Rank the hidden dense units by the L1
   norm of their incoming weights times that of their outgoing ones, and keep the top ones.
3. Fine-tune on fresh synthetic images (train.fit), the original's weights as the start.

Writes examples/asl/vgg-pruned.pt (1 MB, committed) and prints the validation accuracy right after
the cut and after fine-tuning.
"""
import argparse
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402
import vgg  # noqa: E402


def channel_scores(conv, bn):
    """L1 norm of each output filter, times the BatchNorm gain applied to it."""
    gain = bn.weight.detach().abs() / torch.sqrt(bn.running_var + bn.eps)
    return conv.weight.detach().abs().sum(dim=(1, 2, 3)) * gain


def top(scores, k):
    """The indices of the k largest scores, in ascending index order."""
    return torch.sort(torch.topk(scores, k).indices).values


def prune(big, small):
    """Copies the kept channels of `big` into `small` (whose widths say how many to keep)."""
    keep_in = torch.arange(vgg.INPUT[0])
    for (c_big, bn_big), (c_small, bn_small) in zip(big.convs(), small.convs()):
        keep = top(channel_scores(c_big, bn_big), c_small.out_channels)
        c_small.weight.data = c_big.weight.data[keep][:, keep_in].clone()
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(bn_small, name).data = getattr(bn_big, name).data[keep].clone()
        keep_in = keep
    fc1_big, fc2_big = big.classifier[1], big.classifier[4]
    fc1_small, fc2_small = small.classifier[1], small.classifier[4]
    spatial = fc1_big.in_features // big.convs()[-1][0].out_channels      # 2×2 positions per channel
    columns = (keep_in[:, None] * spatial + torch.arange(spatial)[None, :]).reshape(-1)
    units = top(fc1_big.weight.detach().abs().sum(1) * fc2_big.weight.detach().abs().sum(0), fc1_small.out_features)
    fc1_small.weight.data = fc1_big.weight.data[units][:, columns].clone()
    fc1_small.bias.data = fc1_big.bias.data[units].clone()
    fc2_small.weight.data = fc2_big.weight.data[:, units].clone()
    fc2_small.bias.data = fc2_big.bias.data.clone()
    return small


def main(argv=None):
    p = argparse.ArgumentParser(description="Channel-prune the original VGG and fine-tune it.")
    p.add_argument("--original", default=os.path.join(train.OUT, "vgg-original.pt"))
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--per-class", type=int, default=300, help="synthetic training images per class and epoch")
    p.add_argument("--data", metavar="DIR", help="fine-tune on this image folder (as train.py --data) instead")
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--out", default=os.path.join(HERE, "vgg-pruned.pt"))
    args = p.parse_args(argv)
    if not os.path.exists(args.original):
        print(f"prune: {args.original} does not exist; run examples/asl/train.py first", file=sys.stderr)
        return 1
    torch.manual_seed(0)
    big = vgg.original()
    big.load_state_dict(torch.load(args.original))
    big.eval()
    small = prune(big, vgg.pruned()).eval()
    data = train.Folder(args.data) if args.data else train.Synthetic(args.per_class, 5000)
    xv, yv = vgg.to_input(data.validation[0]), torch.from_numpy(data.validation[1])
    print(f"original: validation accuracy {train.accuracy(big, xv, yv) * 100:.1f} %", file=sys.stderr)
    print(f"pruned to {sum(q.numel() for q in small.parameters())} parameters: validation accuracy "
          f"{train.accuracy(small, xv, yv) * 100:.1f} % before fine-tuning", file=sys.stderr)

    def log(line):
        print(line, file=sys.stderr, flush=True)

    train.fit(small, args.epochs, data, args.lr, log)
    torch.save(small.state_dict(), args.out + ".partial")
    os.replace(args.out + ".partial", args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
