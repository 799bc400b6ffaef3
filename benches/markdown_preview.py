"""CPU time of the Markdown renderer (markdown-it-py + nh3) on the worst inputs found, at the lesson
body's limit (200,000 characters) and at the live preview's (50,000): the preview's cap bounds what one
keystroke of an author can cost a worker.

    python benches/markdown_preview.py
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kopedu.courses.authoring import PREVIEW_LIMIT  # noqa: E402
from kopedu.web.markdown import _render  # noqa: E402

CASES = {
    "nested brackets": "[" * 200_000,
    "emphasis": "*a" * 100_000,
    "emphasis mixed": "*_" * 100_000,
    "open links": "[a](" * 50_000,
    "wide table": ("|a" * 100 + "|\n" + "|-" * 100 + "|\n") + ("|x" * 100 + "|\n") * 1_000,
    "prose": ("Koperasi Desa Merah Putih **melayani** anggota. " * 5_000),
}


def cpu(text: str) -> float:
    start = time.process_time()
    _render(text)
    return time.process_time() - start


def main() -> None:
    print(f"{'input':18s} {'200,000 chars':>14s} {f'{PREVIEW_LIMIT:,} chars':>14s}")
    for name, text in CASES.items():
        print(f"{name:18s} {cpu(text[:200_000]):13.2f}s {cpu(text[:PREVIEW_LIMIT]):13.2f}s")


if __name__ == "__main__":
    main()
