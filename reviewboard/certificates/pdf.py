"""The human-readable certificate (PDF/A-3b, PAdES-sealed like the records, with a QR code to its public
status page and the signed statement attached) and its label (an SVG badge and an HTML snippet).

Rendering reuses the records' pipeline: the same restricted URL fetcher, font configuration, stylesheet,
PDF/A finishing and pyHanko seal (reviewboard.records.pdf / .signing).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from weasyprint import HTML, Attachment

from reviewboard.i18n.languages import LANGUAGES, babel_locale
from reviewboard.projects.tiering import TIER_LABELS
from reviewboard.records import pdf as record_pdf
from reviewboard.records.signing import sign_pdf

from . import dsse

TEMPLATE_NAME = "certificates/pdf/certificate.html"
STATEMENT_ATTACHMENT_NAME = "certificate.intoto.json"
STATUS_COLOURS = {"valid": "#2e7d32", "suspended": "#b26a00", "revoked": "#b71c1c", "expired": "#555555"}

def qr_svg_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (the renderer fetches nothing else)."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)

def certificate_language() -> str:
    """The language certificates print in: the organisation's record language (RECORD_LANGUAGE) when it is one
    language, its DEFAULT_LANGUAGE when records are bilingual (a certificate is one page of labels, not a record
    an auditor reads side by side)."""
    config = current_app.config
    for language in (config["RECORD_LANGUAGE"], config["DEFAULT_LANGUAGE"]):
        if language in LANGUAGES:
            return language
    return "en"


def render_certificate_html(statement: dict) -> str:
    """The print template filled in, in the certificate's language (needs an app context)."""
    predicate = statement["predicate"]
    language = certificate_language()
    with force_locale(babel_locale(language)):
        return render_template(TEMPLATE_NAME, statement=statement, p=predicate, utc=record_pdf.format_utc,
                               iso_utc=record_pdf.iso_utc, qr=qr_svg_data_uri(predicate["issuer"]["status_url"]),
                               language=language, tier_labels=TIER_LABELS)


def render_certificate_pdf(statement: dict) -> bytes:
    """Unsigned PDF/A-3b of the certificate's statement (needs an app context)."""
    assets = record_pdf.ASSETS_DIR
    fetcher = record_pdf.AssetOnlyURLFetcher(assets)
    predicate = statement["predicate"]
    issued = record_pdf._parse_time(predicate["issued_at"])
    html = render_certificate_html(statement)
    attachment = Attachment(string=dsse.canonical(statement), name=STATEMENT_ATTACHMENT_NAME,
                            description="The in-toto statement this certificate prints (canonical JSON; the signed "
                                        "DSSE envelope is downloaded separately)",
                            created=issued, modified=issued, relationship="Data", url_fetcher=fetcher)
    document = HTML(string=html, base_url=assets.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=record_pdf._font_config(), stylesheets=[record_pdf._stylesheet(assets)])
    return document.write_pdf(pdf_variant=record_pdf.PDF_VARIANT, pdf_tags=True, attachments=[attachment],
                              finisher=record_pdf._finish)

def render_certificate(statement: dict, signer) -> bytes:
    """The sealed certificate PDF (seconds: WeasyPrint and pyHanko)."""
    return sign_pdf(render_certificate_pdf(statement), signer,
                    reason=f"ReviewBoard system certificate {statement['predicate']['certificate_id']}",
                    location=current_app.config["ORGANISATION_NAME"])

# -- the label ----------------------------------------------------------------------------------------------

def badge_svg(public_id: str, status: str) -> str:
    """A shields-style SVG badge: "ethically reviewed | <status>"; text only, no script, no external links."""
    left, right = "ethically reviewed", f"{status} · {public_id}"
    left_w, right_w = 6 * len(left) + 12, int(6.2 * len(right)) + 12
    colour = STATUS_COLOURS.get(status, "#555555")
    title = escape(f"Ethically reviewed: certificate {public_id}, {status}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left_w + right_w}" height="20" role="img" '
            f'aria-label="{title}"><title>{title}</title>'
            f'<rect width="{left_w}" height="20" fill="#333"/>'
            f'<rect x="{left_w}" width="{right_w}" height="20" fill="{colour}"/>'
            f'<g fill="#fff" font-family="DejaVu Sans,Verdana,sans-serif" font-size="11">'
            f'<text x="6" y="14">{escape(left)}</text><text x="{left_w + 6}" y="14">{escape(right)}</text></g></svg>')


def label_parts(public_id: str, status: str, status_page_url: str, badge_url: str) -> dict[str, str]:
    """What the label says and links to; templates/certificates/_label.html writes it (autoescaped)."""
    text = f"Ethically reviewed: certificate {public_id}, {status}"
    return {"url": status_page_url, "badge": badge_url, "text": text}


def label_html(label: dict[str, str]) -> str:
    """The snippet a service pastes into its own pages: the badge image, linked to the public status page."""
    return render_template("certificates/_label.html", label=label).strip()

