"""Reading checkpoint files: torch.save pickles (old and new torch) and TorchScript archives (OpenAI CLIP as
`clip.load` downloads it). Every failure is a ValueError/FileNotFoundError with a one-line reason."""
import hashlib
import inspect
import os
import zipfile

import torch

# rosinality training checkpoints hold an argparse Namespace, e4e an `opts` dict, HyperDomainNet configs: torch ≥ 2.6
# defaults to weights_only=True and refuses them. These are the user's own files, read as the official code reads them.
_WEIGHTS_ONLY = {"weights_only": False} if "weights_only" in inspect.signature(torch.load).parameters else {}


def is_torchscript(path):
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("constants.pkl") or "/code/" in n for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def load_file(path, role, required=True):
    """The checkpoint's object; a TorchScript archive gives its state_dict."""
    if not path:
        if required:
            raise ValueError(f"--{role} is required to export from checkpoints (or use --random)")
        return None
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{role} checkpoint not found: {path}")
    if is_torchscript(path):
        try:
            return dict(torch.jit.load(path, map_location="cpu").state_dict())
        except Exception as err:  # noqa: BLE001 - any loader failure is the file's fault
            raise ValueError(f"{role} checkpoint {path} is a TorchScript archive that does not load: {one_line(err)}")
    try:
        obj = torch.load(path, map_location="cpu", **_WEIGHTS_ONLY)
    except Exception as err:  # noqa: BLE001
        raise ValueError(f"{role} checkpoint {path} is not a torch.save file or TorchScript archive: {one_line(err)}")
    if isinstance(obj, torch.jit.ScriptModule):
        return dict(obj.state_dict())
    return obj


def one_line(err):
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def clip_name(clip):
    """OpenAI's name for a CLIP ViT by its shapes ("ViT-B/16"), or a description when it is none of them."""
    visual = clip.visual
    width, patch = visual.conv1.out_channels, visual.conv1.kernel_size[0]
    grid = round((visual.positional_embedding.shape[0] - 1) ** 0.5)
    known = {(768, 32, 224): "ViT-B/32", (768, 16, 224): "ViT-B/16", (1024, 14, 224): "ViT-L/14",
             (1024, 14, 336): "ViT-L/14@336px"}
    return known.get((width, patch, patch * grid), f"ViT (width {width}, patch {patch}, {patch * grid} px)")
