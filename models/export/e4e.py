"""encoder4editing's Encoder4Editing (IR-SE backbone, GradualStyleBlocks, FPN lateral layers) with the
official state_dict names (checkpoint keys under `encoder.`), made configurable in width and depth so random
test packs stay small. forward returns W+ with the latent average added, as pSp/e4e inference does."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .ops import EqualLinear

IR_SE_50 = {"channels": (64, 128, 256, 512), "blocks": (3, 4, 14, 3)}


class SEModule(nn.Module):
    def __init__(self, channels, reduction=16):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1, padding=0, bias=False)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1, padding=0, bias=False)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return x * self.sigmoid(self.fc2(self.relu(self.fc1(self.avg_pool(x)))))


class BottleneckIRSE(nn.Module):
    def __init__(self, in_channel, depth, stride, se_reduction=16):
        super().__init__()
        if in_channel == depth:
            self.shortcut_layer = nn.MaxPool2d(1, stride)
        else:
            self.shortcut_layer = nn.Sequential(nn.Conv2d(in_channel, depth, 1, stride, bias=False),
                                                nn.BatchNorm2d(depth))
        self.res_layer = nn.Sequential(
            nn.BatchNorm2d(in_channel), nn.Conv2d(in_channel, depth, 3, 1, 1, bias=False), nn.PReLU(depth),
            nn.Conv2d(depth, depth, 3, stride, 1, bias=False), nn.BatchNorm2d(depth), SEModule(depth, se_reduction))

    def forward(self, x):
        return self.res_layer(x) + self.shortcut_layer(x)


class GradualStyleBlock(nn.Module):
    def __init__(self, in_c, out_c, spatial):
        super().__init__()
        self.out_c = out_c
        num_pools = int(math.log2(spatial))
        modules = [nn.Conv2d(in_c, out_c, 3, 2, 1), nn.LeakyReLU()]
        for _ in range(num_pools - 1):
            modules += [nn.Conv2d(out_c, out_c, 3, 2, 1), nn.LeakyReLU()]
        self.convs = nn.Sequential(*modules)
        self.linear = EqualLinear(out_c, out_c, lr_mul=1)

    def forward(self, x):
        return self.linear(self.convs(x).reshape(-1, self.out_c))


class Encoder4Editing(nn.Module):
    """input_size: the encoder's input side (256 for the official models). The three feature maps c1, c2,
    c3 are the last outputs of stages 2, 3 and 4 (body indices 6, 20, 23 for IR-SE-50)."""

    def __init__(self, n_styles, latent_dim=512, input_size=256, channels=IR_SE_50["channels"],
                 blocks=IR_SE_50["blocks"], se_reduction=16):
        # se_reduction is 16 in IR-SE; tiny random encoders use a smaller one so the SE layers keep a channel
        super().__init__()
        assert channels[-1] == latent_dim, "the last stage must have latent_dim channels (FPN adds into it)"
        self.input_layer = nn.Sequential(nn.Conv2d(3, channels[0], 3, 1, 1, bias=False),
                                         nn.BatchNorm2d(channels[0]), nn.PReLU(channels[0]))
        modules, in_c = [], channels[0]
        stage_ends = []
        for depth, count in zip(channels, blocks):
            for j in range(count):
                modules.append(BottleneckIRSE(in_c, depth, 2 if j == 0 else 1, se_reduction))
                in_c = depth
            stage_ends.append(len(modules) - 1)
        self.body = nn.Sequential(*modules)
        self.c_indices = stage_ends[1:]
        self.style_count = n_styles
        self.coarse_ind, self.middle_ind = 3, 7
        base = input_size // 16  # spatial size of c3
        self.styles = nn.ModuleList()
        for i in range(n_styles):
            spatial = base if i < self.coarse_ind else base * 2 if i < self.middle_ind else base * 4
            self.styles.append(GradualStyleBlock(latent_dim, latent_dim, spatial))
        self.latlayer1 = nn.Conv2d(channels[2], latent_dim, 1, 1, 0)
        self.latlayer2 = nn.Conv2d(channels[1], latent_dim, 1, 1, 0)

    @staticmethod
    def _upsample_add(x, y):
        return F.interpolate(x, size=y.shape[2:], mode="bilinear", align_corners=True) + y

    def forward(self, x):
        x = self.input_layer(x)
        feats = {}
        for i, layer in enumerate(self.body):
            x = layer(x)
            if i in self.c_indices:
                feats[i] = x
        c1, c2, c3 = (feats[i] for i in self.c_indices)
        w0 = self.styles[0](c3)
        codes = [w0]
        features, p2 = c3, None
        for i in range(1, self.style_count):
            if i == self.coarse_ind:
                p2 = self._upsample_add(c3, self.latlayer1(c2))
                features = p2
            elif i == self.middle_ind:
                features = self._upsample_add(p2, self.latlayer2(c1))
            codes.append(w0 + self.styles[i](features))
        return torch.stack(codes, dim=1)


class EncoderWithAverage(nn.Module):
    """What encoder.onnx computes: e4e codes + latent_avg ([L] or [N, L], broadcast)."""

    def __init__(self, encoder, latent_avg):
        super().__init__()
        self.encoder = encoder
        self.register_buffer("latent_avg", latent_avg.reshape(-1, latent_avg.shape[-1]).clone())

    def forward(self, images):
        return self.encoder(images) + self.latent_avg[None]
