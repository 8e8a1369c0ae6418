"""Demo pictures: drawn, not downloaded, so a demo instance needs nothing from another
site. A few still lifes of produce in a bowl, each in its own colours; products share
them in turn. Encoded once per process, since every demo load would draw the same."""

from __future__ import annotations

import colorsys
import functools
import random

from PIL import Image as PILImage
from PIL import ImageDraw
from sqlmodel import Session

from api.core.auth import Principal
from api.media.models import Image
from api.media.service import encode_variants, save_variants

PICTURES = 8
WIDTH, HEIGHT = 1200, 900


def _colour(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    red, green, blue = colorsys.hsv_to_rgb(hue % 1, saturation, value)
    return round(red * 255), round(green * 255), round(blue * 255)


def draw_still_life(seed: int) -> PILImage.Image:
    rng = random.Random(seed)  # noqa: S311  (a drawing, not a secret)
    hue = seed / PICTURES
    picture = PILImage.new("RGB", (WIDTH, HEIGHT), _colour(hue + 0.5, 0.12, 0.96))
    pen = ImageDraw.Draw(picture)
    for y in range(HEIGHT // 2, HEIGHT, 4):  # a table, lighter towards the viewer
        shade = 0.55 + 0.25 * (y - HEIGHT / 2) / (HEIGHT / 2)
        pen.rectangle((0, y, WIDTH, y + 4), fill=_colour(0.08, 0.35, shade))
    pen.ellipse((200, 540, 1000, 820), fill=_colour(0.07, 0.45, 0.4))
    for _ in range(14):
        x, y, r = rng.randint(300, 900), rng.randint(400, 620), rng.randint(60, 105)
        fill = _colour(
            hue + rng.uniform(-0.03, 0.03), rng.uniform(0.6, 0.9), rng.uniform(0.65, 0.95)
        )
        pen.ellipse(
            (x - r, y - r, x + r, y + r), fill=fill, outline=_colour(hue, 0.8, 0.35), width=4
        )
    return picture


@functools.cache
def _encoded(seed: int) -> tuple[tuple[int, int, bytes], ...]:
    return tuple(encode_variants(draw_still_life(seed)))


def demo_pictures(session: Session, *, actor: Principal) -> list[Image]:
    """Store the demo's pictures, uploaded by `actor` (the demo's admin)."""
    pictures = []
    for seed in range(PICTURES):
        variants = _encoded(seed)
        size = sum(len(body) for _, _, body in variants)
        pictures.append(save_variants(session, actor=actor, variants=variants, size=size))
    return pictures
