"""QR codes of referral links (R9): a PNG to print or send, an SVG for designers."""

import io

import segno

SCALE_PNG = 10  # pixels per module: about 330 px for a typical link, crisp when printed small
BORDER = 4  # the quiet zone the standard asks for


def _qr(url: str):
    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=SCALE_PNG, border=BORDER)
    return out.getvalue()


def qr_svg(url: str) -> bytes:
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=8, border=BORDER, xmldecl=False, svgns=True)
    return out.getvalue()
