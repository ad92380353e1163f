"""The layout of a domain vector (docs/pack-format.md, "Domain vectors").

hyperdomainnet: per StyledConv, one multiplier per input channel, applied after demodulation (identity: ones).
hypergan-clip, formulations "residual" (HyperGAN-CLIP's model.py) and "in-weight" (its model_old.py): `slots`
residual slots of equal size; a slot is [gain γ, then per StyledConv m (Cout), a (Cout), b (Cin), k (9)]; identity:
all zeros (γ = 0 is an empty slot). Strength multiplies every γ; a blend puts the domains' slots side by side with γ
times the weight, so the generator adds the weighted sum of their residuals (the official multi-domain rule is the
mean).
hypergan-clip, formulation "additive" (this project's own, which the trained demo pack uses): one plain vector, per
StyledConv [m, a, b, k] with out = m ⊙ F + a ⊙ rank-1 branch; identity: m = 1, the rest 0; strength and blends are
linear around the identity, like hyperdomainnet."""
import torch

DEFAULT_SLOTS = 4
SLOTTED = ("residual", "in-weight")  # HyperGAN-CLIP's models/stylegan2/model.py and model_old.py
FORMULATIONS = SLOTTED + ("additive",)


def check_formulation(formulation):
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown HyperGAN-CLIP formulation {formulation!r} (expected one of {FORMULATIONS})")


def has_slots(method, formulation):
    return method == "hypergan-clip" and formulation in SLOTTED


def layout_of(manifest):
    """(slots, formulation) of a pack from its pack.json; a hypergan-clip pack without `domainLayout` predates it,
    and its domains are the additive formulation's."""
    layout = manifest.get("domainLayout") or {}
    default = "additive" if manifest["method"] == "hypergan-clip" else "residual"
    return layout.get("slots", DEFAULT_SLOTS), layout.get("formulation", default)


def domain_block_len(layer, method):
    if method == "hypergan-clip":
        return 2 * layer["cout"] + layer["cin"] + 9
    if method == "hyperdomainnet":
        return layer["cin"]
    raise ValueError(f"unknown method {method!r}")


def slot_len(layers):
    return 1 + sum(domain_block_len(layer, "hypergan-clip") for layer in layers)


def domain_dim(layers, method, slots=DEFAULT_SLOTS, formulation="residual"):
    if has_slots(method, formulation):
        return slots * slot_len(layers)
    return sum(domain_block_len(layer, method) for layer in layers)


def style_dim_total(layers):
    return sum(layer["cin"] for layer in layers)


def identity_domain(layers, method, slots=DEFAULT_SLOTS, formulation="residual"):
    if has_slots(method, formulation):
        return torch.zeros(domain_dim(layers, method, slots))
    if method == "hypergan-clip":  # additive: m = 1, a = b = k = 0
        return torch.cat([torch.cat([torch.ones(layer["cout"]), torch.zeros(layer["cout"] + layer["cin"] + 9)])
                          for layer in layers])
    return torch.ones(domain_dim(layers, method))


def manifest_layout(layers, method, slots=DEFAULT_SLOTS, formulation="residual"):
    """pack.json `domainLayout`: what the engine needs for strength and blends (None: hyperdomainnet's plain vectors)."""
    if method != "hypergan-clip":
        return None
    if not has_slots(method, formulation):
        return {"kind": "linear", "formulation": formulation}
    return {"kind": "residual-slots", "slots": slots, "slotSize": slot_len(layers), "gainIndex": 0,
            "formulation": formulation}


def layer_offsets(layers, method, formulation="residual"):
    """(start, end) of each StyledConv's block: within a slot (after γ) for slotted layouts, in the vector otherwise."""
    out, d = [], 1 if has_slots(method, formulation) else 0
    for layer in layers:
        n = domain_block_len(layer, method)
        out.append((d, d + n))
        d += n
    return out


def split_block(block, layer):
    """[B, 2·Cout + Cin + 9] -> m, a, b, k."""
    cin, cout = layer["cin"], layer["cout"]
    return (block[:, :cout], block[:, cout:2 * cout], block[:, 2 * cout:2 * cout + cin],
            block[:, 2 * cout + cin:])


def pack_slot(gain, blocks, layers, slots):
    """One domain in slot 0 (gain [B], per-layer blocks [B, len]); the other slots empty."""
    batch = gain.shape[0]
    first = torch.cat([gain.reshape(batch, 1)] + list(blocks), dim=1)
    empty = first.new_zeros(batch, (slots - 1) * slot_len(layers))
    return torch.cat([first, empty], dim=1)


def with_strength(domain, identity, alpha, layout):
    """What the engine does for strength α (src/engine/domains.ts): γ·α per slot, or identity + α·(d − identity)."""
    if layout is None or layout["kind"] != "residual-slots":
        return identity + alpha * (domain - identity)
    out = domain.clone()
    for j in range(layout["slots"]):
        out[..., j * layout["slotSize"] + layout["gainIndex"]] *= alpha
    return out
