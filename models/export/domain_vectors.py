"""Published single-domain HyperDomainNet checkpoints (td_checkpoints/*.pt, im2im_checkpoints/*.pt) as domain
vectors of an existing hyperdomainnet pack: a .npy float32 [domainDim] for `npx domainshift generate --domain`."""

import numpy as np

from .hdn import vector_from_checkpoint
from .loading import load_file
from .pack_writer import read_manifest


def write_hdn_domain(path, pack_dir, out):
    if not pack_dir or not out:
        raise ValueError("--hdn-domain needs --into PACK (a hyperdomainnet pack) and --out FILE.npy")
    manifest = read_manifest(pack_dir)
    if manifest["method"] != "hyperdomainnet":
        raise ValueError(f"{pack_dir} is a {manifest['method']} pack; HyperDomainNet domains need a hyperdomainnet pack")
    ckpt = load_file(path, "hdn-domain")
    if not isinstance(ckpt, dict) or ckpt.get("model_type") != "parameterization":
        raise ValueError(f"{path} is not a HyperDomainNet single-domain checkpoint (model_type parameterization)")
    size = (ckpt.get("sg2_params") or {}).get("img_size")
    if size is not None and size != manifest["resolution"]:
        raise ValueError(f"the domain was trained on a {size} px generator; the pack's is {manifest['resolution']} px")
    vector = vector_from_checkpoint(ckpt, manifest["numWs"] - 1)  # one StyledConv per W+ entry but the last
    if vector.numel() != manifest["domainDim"]:
        raise ValueError(f"the domain has {vector.numel()} values, the pack's domains {manifest['domainDim']}")
    np.save(out, vector.numpy().astype("<f4"))
    return out
