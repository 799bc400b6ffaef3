"""A generated phone photo: 4000 × 3000, smooth shapes with a little sensor noise: 3.4 MB as a JPEG (4.1 MB at quality 94)."""
import io
import random


def phone_photo(seed: int = 7, quality: int = 92) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = 4000, 3000
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(80, 700)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(400):  # handwriting-like strokes
        x, y = rng.randrange(width), rng.randrange(height)
        draw.line((x, y, x + rng.randrange(-200, 200), y + rng.randrange(-60, 60)), fill=(20, 20, 60), width=6)
    image = image.filter(ImageFilter.GaussianBlur(2))
    noise = Image.effect_noise((width, height), 24).convert("RGB")
    image = Image.blend(image, noise, 0.2)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()
